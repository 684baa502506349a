package io.tether.cli;

import io.tether.broker.EmbeddedBroker;
import io.tether.files.UntrustedPathException;
import io.tether.metrics.BuildInfo;
import io.tether.worker.Worker;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code java -jar tether.jar <command>}: the worker and the engine-side commands. */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Tether: managed storage connections for virtualization hosts.",
        subcommands = {WorkerCommand.class, ManageCommand.class, UnmanageCommand.class, ListCommand.class,
                WatchCommand.class, AwaitCommand.class, ConsoleCommand.class, DataCommand.class})
public final class Main {
    /**
     * Exit code for a command line in error: sysexits' EX_USAGE, not picocli's 2, which `await`
     * uses for a timeout: a script must be able to tell them apart.
     */
    static final int USAGE = 64;

    /** {@code tether -V}: the version and revision the build stamped into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.current().toString()};
        }
    }

    public static void main(String[] args) {
        LibraryLogging.forCommand(args);
        System.exit(commandLine().execute(args));
    }

    /** Every command, with the one way each reports a command line in error. */
    static CommandLine commandLine() {
        DataDirs.publish();
        CommandLine cli = new CommandLine(new Main());
        // One line saying what is wrong: the whole usage would bury it. Set here, it applies to
        // every subcommand.
        cli.setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e.getMessage()));
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            // A bad value found while running (a host id that is not one) is the user's to fix too.
            if (e instanceof IllegalArgumentException) {
                return usageError(command, Errors.describe(e));
            }
            // The worker's broker not starting (its port taken) is said in one line too, exit 1.
            if (e instanceof EmbeddedBroker.BrokerStartException || e instanceof Worker.StartException
                    || e instanceof UntrustedPathException) {
                command.getErr().println(OneLine.of(command.getCommandSpec().qualifiedName() + ": " + Errors.describe(e)));
                return 1;
            }
            // A file that cannot be used (a backup that is not one, a full disk) is said in one line too.
            if (e instanceof java.io.IOException io) {
                command.getErr().println(OneLine.of(command.getCommandSpec().qualifiedName() + ": " + Errors.describe(io)));
                return 1;
            }
            throw e;
        });
        return cli;
    }

    /** Prints {@code tether CMD: what (see 'tether CMD --help')} and returns the usage exit code. */
    private static int usageError(CommandLine command, String what) {
        String name = command.getCommandSpec().qualifiedName();
        // Picocli starts some of its messages (those about argument groups) with this; the others not.
        String wrong = what.startsWith("Error: ") ? what.substring("Error: ".length()) : what;
        command.getErr().println(OneLine.of(name + ": " + wrong + " (see '" + name + " --help')"));
        return USAGE;
    }
}
