package io.tether.testing;

import io.tether.connector.Command;
import io.tether.connector.CommandRunner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A command runner that runs nothing: it records each command (as the worker would log it) and
 * answers that it failed. For tests that prove a connector never got as far as running a tool, and
 * that must not run one on the host even when the code under test is wrong.
 */
public final class RecordingRunner extends CommandRunner {
    /** Every command that would have run, secrets masked, in order. */
    public final List<String> commands = new CopyOnWriteArrayList<>();

    @Override
    public Result run(Command command, Duration timeout) {
        commands.add(command.toString());
        return new Result(1, "", "not run: " + command.tool() + " (RecordingRunner)");
    }
}
