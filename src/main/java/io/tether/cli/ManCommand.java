package io.tether.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code tether man}: the tether(1) manual page, in roff, made from the commands' own help, so
 * that it says what {@code --help} says and cannot fall behind it. The package installs its
 * output; {@code tether man | man -l -} shows it from a jar.
 */
@Command(name = "man", hidden = true, mixinStandardHelpOptions = true,
        description = "Print the tether(1) manual page in roff (tether man | man -l -).")
public final class ManCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        page(Main.commandLine(), out);
        out.flush();
        return 0;
    }

    /** The page of {@code root}: its description, then each visible command with its arguments and options. */
    static void page(CommandLine root, PrintWriter out) {
        CommandSpec tether = root.getCommandSpec();
        out.println(".TH TETHER 1 \"\" \"" + roff(new Main.Version().getVersion()[0]) + "\" \"Tether Manual\"");
        out.println(".SH NAME");
        out.println("tether \\- " + roff(String.join(" ", tether.usageMessage().description())));
        out.println(".SH SYNOPSIS");
        out.println(".B tether");
        out.println("\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]");
        out.println(".SH COMMANDS");
        for (CommandLine command : root.getSubcommands().values()) {
            CommandSpec spec = command.getCommandSpec();
            if (spec.usageMessage().hidden()) {
                continue;
            }
            out.println(".SS tether " + roff(spec.name()));
            out.println(roff(String.join(" ", spec.usageMessage().description())));
            for (PositionalParamSpec parameter : spec.positionalParameters()) {
                item(out, "\\fI" + roff(parameter.paramLabel()) + "\\fR", parameter.description());
            }
            for (OptionSpec option : spec.options()) {
                if (!option.hidden()) {
                    item(out, "\\fB" + roff(String.join(", ", option.names())) + "\\fR"
                            + (option.arity().max() > 0 ? " \\fI" + roff(option.paramLabel()) + "\\fR" : ""), option.description());
                }
            }
            for (String footer : spec.usageMessage().footer()) {
                out.println(".PP");
                out.println(roff(footer));
            }
        }
        out.println(".SH EXIT STATUS");
        out.println("0 success; 1 failure (await: failed or unmanaged); 2 await timed out; 64 a command line in error.");
        out.println(".SH SEE ALSO");
        out.println("The README and docs/operations.md of Tether.");
    }

    private static void item(PrintWriter out, String term, String[] description) {
        out.println(".TP");
        out.println(term);
        out.println(roff(String.join(" ", List.of(description))));
    }

    /** {@code text} as roff shows it literally: backslashes and dashes escaped, no line read as a request. */
    static String roff(String text) {
        String escaped = text.replace("\\", "\\e").replace("-", "\\-").replace("\n", " ");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }
}
