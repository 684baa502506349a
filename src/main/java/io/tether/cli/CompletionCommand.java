package io.tether.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tether completion}: the bash completion script of every command and option, as picocli
 * makes it from the commands themselves, so that it cannot fall behind them. The package installs
 * its output; from a jar, {@code source <(tether completion)} loads it (zsh too, with
 * {@code bashcompinit}).
 */
@Command(name = "completion", hidden = true, mixinStandardHelpOptions = true,
        description = "Print the bash completion script (also for zsh, after 'autoload -U bashcompinit; bashcompinit').")
public final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // Without picocli's #! line: the script is sourced (by bash-completion, or source <(...)),
        // never run, and Debian's bash-completion files carry none.
        String script = AutoComplete.bash("tether", Main.commandLine());
        spec.commandLine().getOut().print(script.startsWith("#!") ? script.substring(script.indexOf('\n') + 1) : script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
