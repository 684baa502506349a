package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.LocalUser;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that cannot start in its environment says why in one line and exits 1, at once, and
 * never serves from a broker it did not start: a data dir in use by another worker (named by its
 * pid; the first one carries on serving, and the dir is free again once it stops, even by
 * {@code kill -9}), a broker port something else holds, a broker journal that cannot be used, a data
 * dir or mount root another local user made or could change.
 */
class WorkerStartFailuresIT {
    @TempDir
    Path tmp;

    @Test
    void aSecondWorkerOnTheSameDataDirFailsFastInOneLine() throws Exception {
        Path data = tmp.resolve("data");
        int port = TestWorker.freePort();
        try (WorkerProcess first = new WorkerProcess("dd", data, port, tmp.resolve("first.log")).start()) {
            String pid = Files.readString(data.resolve(DataDirLock.FILE)).strip();
            Ran second = worker(data, TestWorker.freePort());
            assertEquals(1, second.exit());
            assertEquals(List.of("tether worker: data dir " + data + " is in use by another worker (pid " + pid + ")"),
                    second.lines());
            try (RawClient client = new RawClient(TestWorker.engineUrl(port, data), "dd")) {
                assertTrue(client.list().get("connections").isObject(), "the first worker still answers");
            }
            first.kill9();
            try (TestWorker again = new TestWorker("dd", data)) {
                assertTrue(again.worker().brokerUrl() != null, "the dir is free once its worker is gone");
            }
        }
    }

    @Test
    void aBrokerPortSomethingElseHoldsIsOneLine() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Ran ran = worker(tmp.resolve("port"), squatter.getLocalPort());
            assertEquals(1, ran.exit());
            assertEquals(1, ran.lines().size(), ran.lines().toString());
            assertTrue(ran.lines().get(0).startsWith("tether worker: the embedded broker cannot listen on 127.0.0.1:"
                    + squatter.getLocalPort()), ran.lines().get(0));
        }
    }

    @Test
    void aBrokerJournalThatCannotBeUsedIsOneLine() throws Exception {
        Path data = tmp.resolve("journal");
        Path journal = Files.createDirectories(data.resolve("broker")).resolve("journal");
        Files.writeString(journal, "a file where the journal's directory goes");
        Ran ran = worker(data, TestWorker.freePort());
        assertEquals(1, ran.exit());
        assertEquals(List.of("tether worker: the embedded broker's journal cannot be used: " + journal
                + " is not a directory that can be created (FileAlreadyExistsException)"), ran.lines());
    }

    /**
     * The attack: a local user makes the data dir before root's worker first starts
     * ({@code ./tether-data} was the default, wherever root started it), with {@code worker.lock} a
     * link to a file of root's and a credential key of their own. The worker refuses the dir in one
     * line, before it opens anything there.
     */
    @Test
    void aDataDirAnotherUserMadeIsRefused() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        Path data = shared.resolve("tether-data");
        LocalUser.run("mkdir", "-p", data.resolve("db").toString());
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        LocalUser.run("ln", "-s", victim.toString(), data.resolve(DataDirLock.FILE).toString());
        LocalUser.run("sh", "-c", "head -c 32 /dev/urandom > \"$1\"", "sh", data.resolve("db/credentials.key").toString());
        Ran ran = worker(data, TestWorker.freePort());
        assertEquals(1, ran.exit());
        assertEquals(List.of("tether worker: data dir " + data + " is owned by nobody (uid 65534), not by root: another"
                + " user could have made it, or could change it"), ran.lines());
        assertEquals("precious", Files.readString(victim));
    }

    /**
     * A mount root another user owns (as VDSM's /rhev/data-center/mnt belongs to vdsm:kvm) lets that
     * user put a link where root mounts next: the worker does not start on it.
     */
    @Test
    void aMountRootAnotherUserOwnsIsRefused() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        Path mnt = shared.resolve("mnt");
        LocalUser.run("mkdir", mnt.toString());
        Ran ran = worker(tmp.resolve("data"), TestWorker.freePort(), "--mount-root", mnt.toString());
        assertEquals(1, ran.exit());
        assertEquals(List.of("tether worker: mount root " + mnt + " is owned by nobody (uid 65534), not by root: another"
                + " user could have made it, or could change it"), ran.lines());
    }

    private record Ran(int exit, List<String> lines) {
    }

    /** Runs {@code tether worker} that is expected to stop by itself, and all it printed. */
    private static Ran worker(Path data, int port, String... more) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(WorkerProcess.java(), "-jar", WorkerProcess.jar().toString(),
                "worker", "--host-id", "bad", "--data-dir", data.toString(), "--amqp-port", Integer.toString(port),
                "--http-address", "off"));
        command.addAll(List.of(more));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the worker stops by itself");
            return new Ran(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aSecondWorkerInTheSameJvmIsRefusedToo() throws Exception {
        Path data = tmp.resolve("same-jvm");
        try (TestWorker first = new TestWorker("jvm-a", data)) {
            Worker.StartException refused = assertThrows(Worker.StartException.class,
                    () -> Worker.start(io.tether.worker.WorkerConfig.embedded("jvm-b", data, TestWorker.freePort())));
            assertEquals("data dir " + data + " is in use by another worker (pid " + ProcessHandle.current().pid() + ")",
                    refused.getMessage());
        }
    }
}
