package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notification reaches a real Unix datagram socket, as systemd's, bound here by Python. */
class SystemdNotifyTest {

    @Test
    void readyReachesTheDatagramSocket(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("notify");
        Process receiver = new ProcessBuilder("python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(sys.argv[1])",
                "print('bound', flush=True)",
                "print(s.recv(4096).decode(), flush=True)"), socket.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("bound", out.readLine());
            assertTrue(SystemdNotify.send(socket.toString(), "READY=1"));
            assertEquals("READY=1", out.readLine());
        } finally {
            receiver.destroy();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.isAlive());
        assertTrue(Files.exists(socket));
    }

    @Test
    void withoutASocketNothingIsSent() {
        assertFalse(SystemdNotify.send(null, "READY=1"));
        assertFalse(SystemdNotify.send("", "READY=1"));
    }

    @Test
    void anAbstractNameHasALeadingNulAndNoTrailingOne() {
        byte[] address = SystemdNotify.socketAddress("@sd");
        assertEquals(2 + 3, address.length);
        assertEquals(0, address[2]);
        assertEquals('s', address[3]);
        byte[] path = SystemdNotify.socketAddress("/run/x");
        assertEquals(2 + 6 + 1, path.length);
        assertEquals(0, path[path.length - 1]);
    }
}
