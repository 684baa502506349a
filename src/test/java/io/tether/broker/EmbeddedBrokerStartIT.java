package io.tether.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded broker that cannot start says why in one line and leaves nothing listening: the
 * worker must never run on without the broker it was to start.
 */
class EmbeddedBrokerStartIT {
    @TempDir
    Path tmp;

    @Test
    void aJournalThatIsNotADirectoryIsOneLine() throws Exception {
        Path journal = Files.createDirectories(tmp.resolve("broker")).resolve("journal");
        Files.writeString(journal, "not a directory");
        int port = TestWorker.freePort();
        EmbeddedBroker.BrokerStartException refused = assertThrows(EmbeddedBroker.BrokerStartException.class,
                () -> EmbeddedBroker.start(tmp, port, "journal"));
        assertEquals("the embedded broker's journal cannot be used: " + journal.toAbsolutePath()
                + " is not a directory that can be created (FileAlreadyExistsException)", refused.getMessage());
        // Nothing took the port.
        try (java.net.ServerSocket free = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertEquals(port, free.getLocalPort());
        }
    }
}
