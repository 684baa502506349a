package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.argv.ChapSecret;
import io.tether.argv.Program;
import io.tether.argv.Word;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Why a tool did not run: "not found: install" only when it is not there. */
class CommandRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void aToolThatIsNotThereIsMissing() {
        Command command = Command.of(new Program(tmp.resolve("no-such-tool").toString(), "tether-tools"));
        CommandRunner.ToolMissing e = assertThrows(CommandRunner.ToolMissing.class,
                () -> new CommandRunner().run(command, Duration.ofSeconds(5)));
        assertEquals(tmp.resolve("no-such-tool") + " not found: install tether-tools", e.getMessage());
    }

    /** A tool that is there but cannot be run (here: not executable) is not sent off to be installed. */
    @Test
    void aToolThatCannotStartIsNotCalledMissing() throws Exception {
        Path tool = Files.writeString(tmp.resolve("not-executable"), "#!/bin/sh\n");
        Command command = Command.of(new Program(tool.toString(), "tether-tools")).arg(Word.VALUE, new ChapSecret("hunter2"));
        CommandRunner.CannotStart e = assertThrows(CommandRunner.CannotStart.class,
                () -> new CommandRunner().run(command, Duration.ofSeconds(5)));
        assertEquals(tool + " -v *** could not be started: error=13, Permission denied", e.getMessage());
        ConnectorException asError = assertThrows(ConnectorException.class, () -> new CommandRunner()
                .runOrThrow(command, Duration.ofSeconds(5), VdsmError.MountError, VdsmError.MountError));
        assertEquals(VdsmError.MountError, asError.error());
        assertTrue(asError.getMessage().endsWith("could not be started: error=13, Permission denied"), asError.getMessage());
    }
}
