package io.tether.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar tether.jar <command>}: the worker and the engine-side commands. */
@Command(name = "tether", mixinStandardHelpOptions = true, version = "tether 0.1.0",
        description = "Tether: managed storage connections for virtualization hosts.",
        subcommands = {WorkerCommand.class, ManageCommand.class, UnmanageCommand.class, ListCommand.class,
                WatchCommand.class, AwaitCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
