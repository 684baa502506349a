package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.broker.EmbeddedBroker;
import io.tether.connection.ManagedCid;
import io.tether.store.Commit;
import io.tether.store.RowChange;
import io.tether.store.Store;
import io.tether.testing.Host;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.uri.UriParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: a damaged database is never an empty one, backups and restores keep CIDs and never send
 * the event seq back, and every start-up failure is one line naming the file or setting, exit 1.
 * The worker and the CLI run as real processes on real H2 files; a full or read-only data dir is a
 * real tmpfs (root).
 */
class DataSafetyIT {
    private static final String RECOVERY = "restore a backup with 'tether data restore --data-dir %1$s BACKUP.zip' (taken"
            + " with 'tether data backup', or before a migration in %1$s/db/backups), or start with no CIDs with"
            + " 'tether data restore --data-dir %1$s --empty'";

    @TempDir
    Path tmp;
    private Path mount;

    @AfterEach
    void unmount() {
        Host.unmount(mount);
    }

    @Test
    void aMissingEmptyOrHalfWrittenDatabaseInAUsedDataDirIsRefusedInOneLine() throws Exception {
        Path data = tmp.resolve("data");
        manageAndStop(data, "keep-1");
        Path database = data.resolve("db/tether.mv.db");
        byte[] good = Files.readAllBytes(database);

        Files.delete(database);
        assertEquals(new Ran(1, List.of("tether worker: database " + database + " is missing, but this data dir has been"
                + " used (tether.used is there): " + RECOVERY.formatted(data))), worker(data));

        Files.write(database, new byte[0]);
        assertEquals(new Ran(1, List.of("tether worker: database " + database + " is empty (0 bytes), but this data dir"
                + " has been used (tether.used is there): " + RECOVERY.formatted(data))), worker(data));

        for (int length : new int[] {4096, 8192}) {
            Files.write(database, java.util.Arrays.copyOf(good, length));
            Ran halfWritten = worker(data);
            assertEquals(1, halfWritten.exit(), halfWritten.toString());
            assertEquals(1, halfWritten.lines().size(), halfWritten.toString());
            assertTrue(halfWritten.lines().get(0).startsWith("tether worker: database " + database), halfWritten.toString());
            assertTrue(halfWritten.lines().get(0).endsWith(RECOVERY.formatted(data)), halfWritten.toString());
        }
        Files.write(database, good);
        int port = TestWorker.freePort();
        try (WorkerProcess again = new WorkerProcess("ds", data, port, tmp.resolve("again.log")).start();
             RawClient client = new RawClient(TestWorker.engineUrl(port, data), "ds")) {
            assertTrue(client.list().get("connections").has("keep-1"), "the file put back is used as it is");
        }
    }

    @Test
    void aBackupRestoredOnAStoppedWorkerBringsBackItsCidsWithTheSeqGoingOn() throws Exception {
        Path data = tmp.resolve("data");
        manageAndStop(data, "keep-1", "keep-2");
        Path backup = tmp.resolve("backup.zip");
        Ran backedUp = tether("data", "backup", "--data-dir", data.toString(), backup.toString());
        assertEquals(0, backedUp.exit(), backedUp.toString());
        assertTrue(backedUp.lines().get(0).startsWith("backed up 2 CIDs (event seq "), backedUp.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(backup)));
        assertEquals(new Ran(1, List.of("tether data backup: " + backup + ": a backup is never written over a file")),
                tether("data", "backup", "--data-dir", data.toString(), backup.toString()));

        long seqBeforeRestore;
        int port = TestWorker.freePort();
        try (WorkerProcess running = new WorkerProcess("ds", data, port, tmp.resolve("running.log")).start();
             RawClient client = new RawClient(TestWorker.engineUrl(port, data), "ds")) {
            assertTrue(client.manage("later-3", "file://" + tmp).has("result"));
            seqBeforeRestore = client.list().get("seq").asLong();
            assertEquals(new Ran(1, List.of("tether data restore: data dir " + data + " is in use by another worker (pid "
                    + running.pid() + "): stop it first (systemctl stop tether-worker)")),
                    tether("data", "restore", "--data-dir", data.toString(), backup.toString()));
            running.terminate();
        }

        Ran restored = tether("data", "restore", "--data-dir", data.toString(), backup.toString());
        assertEquals(0, restored.exit(), restored.toString());
        assertTrue(restored.lines().get(0).startsWith("restored 2 CIDs from " + backup), restored.toString());
        try (WorkerProcess after = new WorkerProcess("ds", data, port, tmp.resolve("after.log")).start();
             RawClient client = new RawClient(TestWorker.engineUrl(port, data), "ds")) {
            JsonNode list = client.list();
            assertEquals(java.util.Set.of("keep-1", "keep-2"), RawClient.cids(list));
            assertTrue(list.get("seq").asLong() > seqBeforeRestore + 1, "seq goes on above every seq engines saw,"
                    + " with a gap that makes them list again: " + list.get("seq") + " after " + seqBeforeRestore);
        }
    }

    @Test
    void aRemovedOrReplacedCredentialKeyIsOneLine() throws Exception {
        Path data = tmp.resolve("data");
        Path db = Files.createDirectories(data.resolve("db"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        try (Store store = Store.open(db)) {
            store.commit(new Commit(List.of(new RowChange.InsertCid(new ManagedCid("sealed-1",
                    UriParser.parse("iscsi://chapuser%Chap-Secret-1@target.example/iqn.2003-01.org.example:disk1/0?tpgt=1"),
                    Instant.now()))), List.of(), List.of()));
        }
        Path key = db.resolve("credentials.key");
        byte[] original = Files.readAllBytes(key);
        Files.delete(key);
        Ran removed = worker(data);
        assertEquals(new Ran(1, List.of("tether worker: credential key " + key + " is missing, and database "
                + db.resolve("tether.mv.db") + " holds credentials sealed with it: put the key back (from a backup: it is"
                + " in every backup's zip), or " + RECOVERY.formatted(data))), removed);
        assertFalse(Files.exists(key), "no new key was made in its place");

        byte[] other = original.clone();
        other[0] ^= 1;
        Files.write(key, other);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertEquals(new Ran(1, List.of("tether worker: credential key " + key + " is not the key the credentials in"
                + " database " + db.resolve("tether.mv.db") + " were sealed with (replaced?): put the original back (it is"
                + " in every backup's zip), or " + RECOVERY.formatted(data))), worker(data));
    }

    @Test
    void aReadOnlyDataDirIsOneLine() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("ro"));
        mount = Host.mountTmpfs(data, "4m", "tmpfs");
        Host.ok(10, "chmod", "700", data.toString());
        Host.ok(10, "mount", "-o", "remount,ro", data.toString());
        assertEquals(new Ran(1, List.of("tether worker: cannot use the data dir " + data + ": " + data.resolve(DataDirLock.FILE)
                + ": Read-only file system")), worker(data));
    }

    @Test
    void aFullDataDirIsOneLine() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("full"));
        mount = Host.mountTmpfs(data, "1m", "tmpfs");
        Host.ok(10, "chmod", "700", data.toString());
        Host.run(30, "dd", "if=/dev/zero", "of=" + data.resolve("filler"), "bs=64k");
        Ran full = worker(data);
        assertEquals(1, full.exit(), full.toString());
        assertEquals(1, full.lines().size(), full.toString());
        assertTrue(full.lines().get(0).startsWith("tether worker: cannot use the data dir " + data + ": "), full.toString());
        assertTrue(full.lines().get(0).contains("No space left on device"), full.toString());
    }

    @Test
    void aBrokerLoginRefusedIsOneLineWithoutThePassword() throws Exception {
        Path brokerData = tmp.resolve("broker-host");
        int port = TestWorker.freePort();
        try (WorkerProcess broker = new WorkerProcess("bh", brokerData, port, tmp.resolve("broker.log")).start()) {
            String user = BrokerCredentials.read(brokerData.resolve(EmbeddedBroker.ENGINE_LOGIN)).user();
            Path password = Files.writeString(tmp.resolve("broker.password"), "Wrong-Password-42\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            String url = "amqp://127.0.0.1:" + port;
            Ran refused = worker(tmp.resolve("data"), "--broker-url", url, "--broker-user", user,
                    "--broker-password-file", password.toString());
            assertEquals(new Ran(1, List.of("tether worker: the broker at " + url + " refused the login of user " + user
                    + ": check --broker-user and the password in --broker-password-file")), refused);
        }
    }

    /** Starts a worker on a new data dir, manages {@code cids}, and stops it (SIGTERM). */
    private void manageAndStop(Path data, String... cids) throws Exception {
        int port = TestWorker.freePort();
        try (WorkerProcess worker = new WorkerProcess("ds", data, port, tmp.resolve("first.log")).start();
             RawClient client = new RawClient(TestWorker.engineUrl(port, data), "ds")) {
            for (String cid : cids) {
                assertTrue(client.manage(cid, "file://" + tmp).has("result"));
            }
            worker.terminate();
        }
    }

    private record Ran(int exit, List<String> lines) {
    }

    /** Runs {@code tether worker} on {@code data}, expected to stop by itself, and all it printed. */
    private static Ran worker(Path data, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("worker", "--host-id", "ds", "--data-dir", data.toString(),
                "--amqp-port", Integer.toString(TestWorker.freePort()), "--http-address", "off"));
        args.addAll(List.of(more));
        return tether(args.toArray(String[]::new));
    }

    /** Runs {@code java -jar tether.jar ARGS} to its end: its exit code and every line it printed. */
    private static Ran tether(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(WorkerProcess.java(), "-jar", WorkerProcess.jar().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "tether " + String.join(" ", args) + " stops by itself");
            return new Ran(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        } finally {
            p.destroyForcibly();
        }
    }
}
