package io.tether.cli;

import io.tether.messaging.EmbeddedBroker;
import io.tether.worker.Worker;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar tether.jar <command>}: the worker and the engine-side commands. */
@Command(name = "tether", mixinStandardHelpOptions = true, version = "tether 0.1.0",
        description = "Tether: managed storage connections for virtualization hosts.",
        subcommands = {WorkerCommand.class, ManageCommand.class, UnmanageCommand.class, ListCommand.class,
                WatchCommand.class, AwaitCommand.class})
public final class Main {
    /** Exit code for a command line in error. */
    private static final int USAGE = 64;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        // A command line in error exits 64 (sysexits' EX_USAGE), not picocli's 2, which `await`
        // uses for a timeout: a script must be able to tell them apart.
        cli.getCommandSpec().exitCodeOnInvalidInput(USAGE);
        cli.getSubcommands().values().forEach(sub -> sub.getCommandSpec().exitCodeOnInvalidInput(USAGE));
        // A bad value found while running (a host id that is not one) is the user's to fix too: one
        // line, as for the errors picocli finds while parsing, not a stack trace.
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            // The worker's broker not starting (its port taken) is said in one line too, exit 1.
            if (e instanceof IllegalArgumentException || e instanceof EmbeddedBroker.BrokerStartException
                    || e instanceof Worker.StartException) {
                command.getErr().println("tether " + command.getCommandName() + ": " + e.getMessage());
                return e instanceof IllegalArgumentException ? USAGE : 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }
}
