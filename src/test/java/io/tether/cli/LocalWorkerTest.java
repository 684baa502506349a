package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's address in its data dir: what it writes the CLI reads, and nothing it should not trust. */
class LocalWorkerTest {
    @TempDir
    Path tmp;

    @Test
    void whatTheWorkerWritesTheCliReads() throws Exception {
        new LocalWorker("h1", "amqp://127.0.0.1:5673").write(tmp);
        assertEquals(Optional.of(new LocalWorker("h1", "amqp://127.0.0.1:5673")), LocalWorker.read(tmp));
        // A worker on an external broker leaves only its host id.
        new LocalWorker("h2", null).write(tmp);
        assertEquals(Optional.of(new LocalWorker("h2", null)), LocalWorker.read(tmp));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve(LocalWorker.FILE))));
    }

    @Test
    void noFileOrOneOthersMayChangeGivesNoDefaults() throws Exception {
        assertEquals(Optional.empty(), LocalWorker.read(tmp));
        Path file = Files.writeString(tmp.resolve(LocalWorker.FILE), "host-id=planted\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(Optional.empty(), LocalWorker.read(tmp));
    }
}
