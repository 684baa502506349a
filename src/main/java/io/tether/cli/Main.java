package io.tether.cli;

import io.tether.broker.EmbeddedBroker;
import io.tether.files.UntrustedPathException;
import io.tether.metrics.BuildInfo;
import io.tether.worker.Worker;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code java -jar tether.jar <command>}: the worker and the engine-side commands. */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Tether: managed storage connections for virtualization hosts.")
public final class Main {
    /** Every command by name, in the order {@code tether --help} lists them. */
    private static final Map<String, Class<?>> COMMANDS = orderedCommands();
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
        System.exit(commandLine(args).execute(args));
    }

    /**
     * What {@code args} may run: the one command it names, when it starts with a command's name;
     * else every command ({@code tether --help}, or a name that is none, for which picocli
     * suggests the nearest). Picocli reads the options of every command it is given, through
     * reflection on their classes and the classes those name: for a short command that is a
     * noticeable part of its start-up, and only the one that runs needs it.
     */
    static CommandLine commandLine(String... args) {
        Class<?> named = args.length == 0 ? null : COMMANDS.get(args[0]);
        return named == null ? commandLine() : withCommands(Map.of(args[0], named));
    }

    /** Every command, with the one way each reports a command line in error. */
    static CommandLine commandLine() {
        return withCommands(COMMANDS);
    }

    private static Map<String, Class<?>> orderedCommands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("worker", WorkerCommand.class);
        commands.put("manage", ManageCommand.class);
        commands.put("unmanage", UnmanageCommand.class);
        commands.put("list", ListCommand.class);
        commands.put("watch", WatchCommand.class);
        commands.put("await", AwaitCommand.class);
        commands.put("console", ConsoleCommand.class);
        commands.put("data", DataCommand.class);
        commands.put("completion", CompletionCommand.class);
        commands.put("man", ManCommand.class);
        return Collections.unmodifiableMap(commands);
    }

    /** The root command with {@code commands}, and the one way each reports a command line in error. */
    private static CommandLine withCommands(Map<String, Class<?>> commands) {
        DataDirs.publish();
        CommandLine cli = new CommandLine(new Main());
        commands.forEach(cli::addSubcommand);
        // One line saying what is wrong: the whole usage would bury it. Set here, it applies to
        // every subcommand.
        cli.setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e.getMessage() + didYouMean(e)));
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

    /**
     * For a mistyped command, the command at most two edits away (a swap of two letters is one);
     * for a mistyped option, the nearest options as picocli finds them; else nothing. Picocli's own
     * measure (letter pairs in common) misses swaps: it finds nothing of list in lsit.
     */
    static String didYouMean(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return "";
        }
        String typed = unmatched.getUnmatched().get(0);
        List<String> near = typed.startsWith("-") ? unmatched.getSuggestions().stream().limit(3).toList()
                : COMMANDS.keySet().stream().filter(name -> !hidden(name) && Edits.distance(typed, name) <= 2).toList();
        return near.isEmpty() ? "" : "; did you mean '" + String.join("' or '", near) + "'?";
    }

    private static boolean hidden(String command) {
        return command.equals("completion") || command.equals("man");
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
