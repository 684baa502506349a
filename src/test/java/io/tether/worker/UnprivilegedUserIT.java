package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.Host;
import io.tether.testing.RawClient;
import io.tether.testing.WorkerProcess;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another user of the worker's machine ({@code nobody}, through {@code runuser}) gets nothing from
 * the embedded broker: the engines' login is in a file only the worker's user can read, and the
 * broker refuses a client without a login, or with a guessed one. The data dir's parent is open to
 * everyone here, so the only thing in the way is what the worker itself sets up: its files are its
 * own user's alone (but for its public sealing key and the mount root).
 */
class UnprivilegedUserIT {
    @TempDir
    Path tmp;

    /** The jar, copied where nobody can read it (the checkout may be in a home only its owner enters). */
    private Path jar;

    private Host.Ran asNobody(String... args) {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "nobody", "--", WorkerProcess.java(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return Host.run(60, command.toArray(String[]::new));
    }

    @Test
    void anotherLocalUserIsRefused() throws Exception {
        Requirements.needRoot();
        Requirements.needTool("runuser", "util-linux");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = Files.copy(WorkerProcess.jar(), tmp.resolve("tether.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Path data = tmp.resolve("data");
        int port = TestWorker.freePort();
        // The worker as the README starts it: a process of its own, with the umask it sets itself.
        try (WorkerProcess worker = new WorkerProcess("root-host", data, port, tmp.resolve("worker.log")).start();
             RawClient engine = new RawClient(TestWorker.engineUrl(port, data), "root-host")) {
            String broker = "--broker=amqp://127.0.0.1:" + port;

            Host.Ran readLogin = asNobody("manage", broker, "--data-dir", data.toString(), "--host", "root-host",
                    "stolen", "file://" + storage);
            assertEquals(64, readLogin.exit(), readLogin.output());
            assertTrue(readLogin.output().contains("permission denied"), readLogin.output());

            Host.Ran anonymous = asNobody("manage", broker, "--data-dir", tmp.resolve("none").toString(), "--host", "root-host",
                    "stolen", "file://" + storage);
            assertEquals(1, anonymous.exit(), anonymous.output());
            assertTrue(anonymous.output().contains("refused a client without a login"), anonymous.output());

            Host.Ran guessed = asNobody("watch", broker, "--user", "engine", "--password", "engine", "--host", "root-host");
            assertEquals(1, guessed.exit(), guessed.output());
            assertTrue(guessed.output().contains("refused the login of user engine"), guessed.output());

            Host.Ran asAdmin = asNobody("list", broker, "--user", "admin", "--password", "admin", "--host", "root-host");
            assertEquals(1, asAdmin.exit(), asAdmin.output());
            assertTrue(asAdmin.output().contains("refused the login of user admin"), asAdmin.output());

            for (Host.Ran ran : List.of(readLogin, anonymous, guessed, asAdmin)) {
                assertFalse(ran.output().contains("\tat "), "no stack trace: " + ran.output());
            }
            // Nothing was managed by any of them; the engine's own request is.
            assertEquals(0, engine.list().get("connections").size());
            assertTrue(engine.manage("own", "file://" + storage).has("result"));

            // What the worker and its broker wrote is theirs alone (requests in transit, secrets
            // included, sit in the journal), except the mount root, which VMs must traverse.
            try (Stream<Path> files = Files.walk(data)) {
                for (Path file : files.toList()) {
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
                    String expected = file.equals(data.resolve("mnt")) ? "rwxr-xr-x"
                            : file.equals(data.resolve(Worker.SEALING_PUBLIC_FILE)) ? "rw-r--r--"
                            : Files.isDirectory(file) ? "rwx------" : "rw-------";
                    assertEquals(expected, mode, file.toString());
                }
            }
        }
    }
}
