package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.broker.EmbeddedBroker;
import io.tether.sealing.SealingKey;
import io.tether.testing.Cli;
import io.tether.testing.Host;
import io.tether.testing.LocalUser;
import io.tether.testing.RawClient;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
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
    /**
     * The attack on the CLI: another user makes a data dir with a login and a sealing key
     * of their own, and root's CLI, pointed at it (./tether-data was its default wherever it ran),
     * used that login and sealed CHAP secrets for that key. Now it uses nothing from a directory
     * another user made, and says so.
     */
    @Test
    void theCliUsesNothingFromADataDirAnotherUserMade() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        Path planted = shared.resolve("tether-data");
        LocalUser.run("mkdir", planted.toString());
        Path login = Files.writeString(tmp.resolve("their-login"), "user=engine\npassword=theirs\n");
        Path key = tmp.resolve("their-key.pub.jwk");
        SealingKey.open(tmp.resolve("their-key.jwk")).writePublicJwk(key);
        Files.setPosixFilePermissions(login, PosixFilePermissions.fromString("rw-r--r--"));
        LocalUser.run("cp", login.toString(), planted.resolve(EmbeddedBroker.ENGINE_LOGIN).toString());
        LocalUser.run("cp", key.toString(), planted.resolve(Worker.SEALING_PUBLIC_FILE).toString());
        int port = TestWorker.freePort();
        try (WorkerProcess worker = new WorkerProcess("root-host", tmp.resolve("data"), port, tmp.resolve("worker.log")).start()) {
            // A URI with a secret is read from a file of root's only, never from the command line.
            Path uri = Files.writeString(tmp.resolve("chap-uri"), "iscsi://user%hunter2@target.example/iqn.2003-01.org.example:disk1/0");
            Files.setPosixFilePermissions(uri, PosixFilePermissions.fromString("rw-------"));
            Cli.Ran ran = Cli.run(Cli.command(List.of("manage", "--broker=amqp://127.0.0.1:" + port, "--data-dir",
                    planted.toString(), "--host", "root-host", "chap-1", "--uri-file", uri.toString())));
            assertEquals(64, ran.exit(), ran.err());
            assertEquals("tether manage: login file " + planted.resolve(EmbeddedBroker.ENGINE_LOGIN) + ": " + planted
                    + " is owned by nobody (uid 65534), not by root: another user could have made it, or could change it;"
                    + " not using it (give --data-dir of the worker on this machine, or --user and --password-file)"
                    + " (see 'tether manage --help')", ran.err().strip());
        }
    }

    /**
     * Root's worker and CLI never take the current directory for their data: another user could
     * have made ./tether-data there. Root's default is /var/lib/tether, the packaged worker's; the
     * CLI reads the worker's own data-dir from its config file; another user keeps ./tether-data.
     */
    @Test
    void rootsDataDirIsNeverTheCurrentDirectory() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        LocalUser.run("mkdir", shared.resolve("tether-data").toString());
        jar = Files.copy(WorkerProcess.jar(), tmp.resolve("tether.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        // A config file without data-dir, so that no /etc/tether/worker.conf of this machine counts.
        Path none = Files.writeString(tmp.resolve("none.conf"), "# nothing\n");
        Files.setPosixFilePermissions(none, PosixFilePermissions.fromString("rw-r--r--"));

        ProcessBuilder asRoot = Cli.command(List.of("worker", "--print-config")).directory(shared.toFile());
        asRoot.environment().put("TETHER_CONFIG", none.toString());
        Cli.Ran root = Cli.run(asRoot);
        assertTrue(root.out().lines().anyMatch(l -> l.equals("data-dir = /var/lib/tether")), root.out());

        Host.Ran other = Host.run(60, "runuser", "-u", "nobody", "--", "env", "-C", shared.toString(),
                "TETHER_CONFIG=" + none, WorkerProcess.java(), "-jar", jar.toString(), "worker", "--print-config");
        assertTrue(other.output().lines().anyMatch(l -> l.equals("data-dir = ./tether-data")), other.output());

        Path data = tmp.resolve("data");
        int port = TestWorker.freePort();
        try (WorkerProcess worker = new WorkerProcess("root-host", data, port, tmp.resolve("worker.log")).start()) {
            Path conf = Files.writeString(tmp.resolve("worker.conf"), "data-dir = " + data + "\n");
            ProcessBuilder list = Cli.command(List.of("list", "--broker=amqp://127.0.0.1:" + port, "--host", "root-host"))
                    .directory(shared.toFile());
            list.environment().put("TETHER_CONFIG", conf.toString());
            Cli.Ran listed = Cli.run(list);
            assertEquals(0, listed.exit(), listed.err());
        }
    }
}
