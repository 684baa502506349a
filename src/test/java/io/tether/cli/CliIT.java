package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import io.tether.testing.Cli.Ran;
import io.tether.testing.Cli;
import io.tether.testing.RecordingConnector;
import io.tether.testing.Secrets;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tether command line as a user runs it: java -jar target/tether.jar ... against a real worker. */
class CliIT {
    @TempDir
    Path tmp;


    /** The local worker's data dir, as an operator's shell would have it in TETHER_DATA_DIR. */
    private Path dataDir;

    private Ran tether(String... args) throws Exception {
        return Cli.run(command(args));
    }

    private Process start(String... args) throws Exception {
        return command(args).start();
    }

    private ProcessBuilder command(String... args) {
        ProcessBuilder builder = Cli.command(List.of(args));
        if (dataDir != null) {
            builder.environment().put("TETHER_DATA_DIR", dataDir.toString());
        }
        return builder;
    }

    /** Exit code {@code exit}, nothing on stdout and exactly {@code line} on stderr. */
    private void assertOneLine(int exit, String line, String... args) throws Exception {
        assertEquals(new Ran(exit, "", line + "\n"), tether(args), "tether " + String.join(" ", args));
    }

    @Test
    void manageListAwaitUnmanage() throws Exception {
        Path ready = Files.createDirectories(tmp.resolve("ready"));
        try (TestWorker worker = new TestWorker("cli", tmp.resolve("data"))) {
            // The login comes from the worker's data dir (TETHER_DATA_DIR), as on the worker's own host.
            dataDir = worker.dataDir();
            String broker = "--broker=" + worker.plainUrl();
            Ran manage = tether("manage", broker, "--host", "cli", "flow1-a", "file://" + ready);
            assertEquals(0, manage.exit(), manage.err());
            assertEquals("managed: flow1-a -> file://" + ready, manage.out().strip());
            assertEquals(0, tether("await", broker, "--host", "cli", "flow1-a", "--timeout", "20").exit());
            // --wait, await's --timeout by its former name, still works.
            assertEquals(0, tether("await", broker, "--host", "cli", "flow1-a", "--wait", "20").exit());

            // A timeout that is not one is refused before anything is sent: flow1-z is not managed.
            assertOneLine(64, "tether manage: Invalid value for option '--timeout': '-5' is not a number of seconds from 0.001"
                    + " to 86400 (see 'tether manage --help')", "manage", broker, "--host", "cli", "flow1-z", "file://" + ready,
                    "--timeout", "-5");
            assertOneLine(64, "tether await: Invalid value for option '--timeout': '-1' is not a number of seconds from 0.001"
                    + " to 86400 (see 'tether await --help')", "await", broker, "--host", "cli", "flow1-a", "--timeout", "-1");

            Ran table = tether("list", broker, "--host", "cli");
            assertTrue(table.out().contains("flow1-a") && table.out().contains("CONNECTED"), table.out());
            Ran json = tether("list", broker, "--host", "cli", "--json");
            assertEquals("CONNECTED", JsonRpc.MAPPER.readTree(json.out()).at("/connections/flow1-a/state").asText());
            assertTrue(JsonRpc.MAPPER.readTree(json.out()).at("/connections/flow1-z").isMissingNode(), json.out());

            assertEquals(0, tether("manage", broker, "--host", "cli", "flow1-b", "file://" + tmp.resolve("missing")).exit());
            Ran failed = tether("await", broker, "--host", "cli", "flow1-b", "--try-once", "--wait", "20");
            assertEquals(1, failed.exit(), failed.out() + failed.err());
            assertTrue(failed.out().contains("453"), failed.out());
            // --timeout bounds the whole wait, and a wait that ends without a connection says why, when the worker knows.
            long started = System.nanoTime();
            Ran late = tether("await", broker, "--host", "cli", "flow1-b", "--timeout", "3");
            assertEquals(2, late.exit(), late.toString());
            assertTrue(late.out().startsWith("flow1-b: not connected within 3 s; last error: 453 "), late.out());
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(30)) < 0, "await --timeout 3");
            // The worker retries it: the table shows how many attempts failed and when it tries next; --json passes it through.
            Ran retrying = tether("list", broker, "--host", "cli", "--prefix", "flow1-");
            List<String> retryRows = retrying.out().lines().toList();
            assertTrue(retryRows.get(0).matches("CID +MANAGED +STATE +HEALTH +CONNECTION +SINCE +RETRY +LAST ERROR"), retrying.out());
            assertTrue(retryRows.stream().anyMatch(r -> r.matches("flow1-b .* [1-9][0-9]*, next \\S+Z +453 .*")), retrying.out());
            assertTrue(retryRows.stream().anyMatch(r -> r.matches("flow1-a .* CONNECTED .* - +-")), retrying.out());
            JsonNode retry = JsonRpc.MAPPER.readTree(tether("list", broker, "--host", "cli", "--prefix", "flow1-b", "--json").out())
                    .at("/connections/flow1-b/retry");
            assertTrue(retry.path("failures").asInt() >= 1 && retry.path("nextAttemptAt").isTextual(), retry.toString());

            Ran inUse = tether("manage", broker, "--host", "cli", "flow1-a", "file:///srv/elsewhere");
            assertEquals(1, inUse.exit());
            assertTrue(inUse.err().startsWith("error 478 CID_IN_USE:"), inUse.err());

            // Many CIDs at once, from a file or standard input: one batch, one line per CID, exit 1 if any failed.
            Path batch = Files.writeString(tmp.resolve("cids.txt"), "# flow1\nflow1-c file://" + ready + "\n"
                    + "{\"cid\": \"flow1-d\", \"uri\": \"file://" + ready + "\"}\nflow1-a file:///srv/elsewhere\n");
            Ran many = tether("manage", broker, "--host", "cli", "-f", batch.toString());
            assertEquals(1, many.exit(), many.toString());
            List<String> manyLines = many.out().lines().toList();
            assertEquals(List.of("managed: flow1-c -> file://" + ready, "managed: flow1-d -> file://" + ready), manyLines.subList(0, 2));
            assertTrue(manyLines.get(2).startsWith("failed: flow1-a: error 478 CID_IN_USE: "), many.out());
            assertEquals("tether manage: 1 of 3 CIDs failed\n", many.err());
            Ran piped = Cli.run(command("manage", broker, "--host", "cli", "-f", "-")
                    .redirectInput(Files.writeString(tmp.resolve("one.txt"), "flow1-e file://" + ready + "\n").toFile()));
            assertEquals(new Ran(0, "managed: flow1-e -> file://" + ready + "\n", ""), piped);

            Ran unmanage = tether("unmanage", broker, "--host", "cli", "--prefix", "flow1-");
            assertEquals(0, unmanage.exit(), unmanage.err());
            assertTrue(unmanage.out().contains("unmanaged: flow1-a") && unmanage.out().contains("unmanaged: flow1-b"));
            // A prefix that matches nothing says so.
            assertEquals(new Ran(0, "nothing unmanaged: no CID starts with flow1-\n", ""),
                    tether("unmanage", broker, "--host", "cli", "--prefix", "flow1-"));

            // This broker serves host cli only: a request for another host is refused at once, not lost.
            Ran unknownHost = tether("list", broker, "--host", "nobody");
            assertEquals(1, unknownHost.exit());
            assertTrue(unknownHost.err().contains("host nobody has no request queue"), unknownHost.err());
            assertFalse(unknownHost.err().contains("\tat "), "no stack trace: " + unknownHost.err());

            // Other ways to log in: an explicit user and password file, and the data dir as an option.
            Path passwordFile = Files.writeString(tmp.resolve("engine.password"),
                    worker.url().replaceAll(".*jms.password=", "") + "\n");
            dataDir = null;
            Ran withFile = tether("list", broker, "--host", "cli", "--user", "engine", "--password-file", passwordFile.toString());
            assertEquals(0, withFile.exit(), withFile.err());
            Ran withOption = tether("list", broker, "--host", "cli", "--data-dir", worker.dataDir().toString());
            assertEquals(0, withOption.exit(), withOption.err());
            Ran wrong = tether("list", broker, "--host", "cli", "--user", "engine", "--password", "guess");
            assertEquals(1, wrong.exit());
            assertTrue(wrong.err().contains("refused the login of user engine"), wrong.err());
            Ran none = tether("list", broker, "--host", "cli", "--data-dir", tmp.resolve("elsewhere").toString());
            assertEquals(1, none.exit());
            assertTrue(none.err().contains("refused a client without a login"), none.err());
            assertFalse(none.err().contains("\tat "), "no stack trace: " + none.err());
            dataDir = worker.dataDir();

            Ran badHost = tether("manage", broker, "--host", "h1.example", "flow1-c", "file:///tmp");
            assertEquals(64, badHost.exit());
            assertTrue(badHost.err().contains("host id \"h1.example\" is not one"), badHost.err());
            assertFalse(badHost.err().contains("\tat "), "no stack trace: " + badHost.err());
            // This worker runs in the test, not as 'tether worker': its data dir has no address for --host.
            assertOneLine(64, "tether await: Missing required option: '--host=<host>' (nor TETHER_HOST, nor a worker's address in "
                    + worker.dataDir().resolve(LocalWorker.FILE) + ") (see 'tether await --help')", "await", broker, "flow1-a");
        }
    }

    @Test
    void aCommandLineInErrorIsOneLineAndExit64() throws Exception {
        assertOneLine(64, "tether list: Unknown option: '--bogus' (see 'tether list --help')", "list", "--host", "h", "--bogus");
        assertOneLine(64, "tether list: Invalid value for option '--timeout': 'x' is not a number of seconds from 0.001 to 86400"
                + " (see 'tether list --help')", "list", "--host", "h", "--timeout", "x");
        // Refused before anything starts: not even the data dir is made.
        Path data = tmp.resolve("never");
        assertOneLine(64, "tether worker: Invalid value for option '--amqp-port': '99999' is not a port from 1 to 65535"
                + " (see 'tether worker --help')", "worker", "--data-dir", data.toString(), "--amqp-port", "99999");
        assertFalse(Files.exists(data), "the worker started");
    }

    @Test
    void theManPageAndTheCompletionScriptComeFromTheCommands() throws Exception {
        Ran man = tether("man");
        assertEquals(0, man.exit(), man.err());
        assertTrue(man.out().startsWith(".TH TETHER 1 ") && man.out().contains(".SS tether await"), man.out());
        Ran completion = tether("completion");
        assertEquals(0, completion.exit(), completion.err());
        assertTrue(completion.out().contains("complete -F _complete_tether"), completion.out());
    }

    @Test
    void aBrokerThatCannotBeUsedIsOneLineAndExit1() throws Exception {
        assertOneLine(1, "cannot reach the broker at bogus://x: Provider scheme NOT recognized: [bogus]"
                + " (give amqp://, amqps:// or failover:(...))",
                "list", "--host", "h", "--broker", "bogus://x");
        assertOneLine(1, "cannot reach the broker at amqp://: Invalid remote URI: amqp://",
                "list", "--host", "h", "--broker", "amqp://");
        String nobody = "amqp://127.0.0.1:" + TestWorker.freePort();
        // A failover URL would have Qpid JMS try for ever; --timeout bounds it.
        assertOneLine(1, "cannot reach the broker at failover:(" + nobody + "): no connection within 1.5 s (--request-timeout)"
                + " (" + BrokerErrors.WHERE + ")",
                "list", "--host", "h", "--broker", "failover:(" + nobody + ")", "--timeout", "1.5");
        // In the operator's words, not the network library's, with what to check.
        assertOneLine(1, "cannot reach the broker at " + nobody + ": connection refused (" + BrokerErrors.WHERE + ")",
                "list", "--host", "h", "--broker", nobody);
        assertOneLine(64, "tether list: --broker 127.0.0.1:5672 has no scheme: give amqp://127.0.0.1:5672 (amqps:// for TLS,"
                + " failover:(...) for several brokers) (see 'tether list --help')", "list", "--host", "h", "--broker", "127.0.0.1:5672");
        // With a login of its own the command goes the same way: no library line before its own.
        Path password = tmp.resolve("password");
        Files.writeString(password, "secret\n");
        Ran withLogin = tether("list", "--host", "h", "--broker", nobody, "--user", "engine", "--password-file", password.toString());
        assertEquals(1, withLogin.exit());
        assertTrue(withLogin.err().startsWith("cannot reach the broker at " + nobody + ": "), withLogin.err());
        assertEquals(1, withLogin.err().lines().count(), withLogin.err());
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // reads the watch's lines without a timeout of their own
    void humanOutputHasOneLinePerEntryWhateverTheErrorHolds() throws Exception {
        // What mount says is often several lines; a tab and a C1 control (NEL) come along here too.
        // What mount says is often several lines, indented; a tab and a C1 control (CSI) come along here too.
        String said = "mount.nfs: access denied\n    by server\twhile mounting\u009B";
        String shown = "mount.nfs: access denied by server\\twhile mounting\\u009B";
        Connector failing = new Connector() {
            @Override
            public io.tether.connector.Probe probe(StorageUri uri) throws ConnectorException {
                throw new ConnectorException(VdsmError.StorageServerConnectionError, said);
            }

            @Override
            public io.tether.connector.Probe establish(StorageUri uri) throws ConnectorException {
                throw new ConnectorException(VdsmError.StorageServerConnectionError, said);
            }

            @Override
            public void disconnect(StorageUri uri) {
            }
        };
        try (TestWorker worker = new TestWorker("clilines", tmp.resolve("data"), c -> c.withConnector(StorageType.FILE, failing))) {
            dataDir = worker.dataDir();
            String broker = "--broker=" + worker.plainUrl();
            Process watch = start("watch", broker, "--host", "clilines");
            try {
                BufferedReader events = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8));
                BufferedReader status = new BufferedReader(new InputStreamReader(watch.getErrorStream(), StandardCharsets.UTF_8));
                assertEquals("watching host clilines; Ctrl-C to stop", status.readLine());

                assertEquals(0, tether("manage", broker, "--host", "clilines", "lines-1", "file:///srv/lines").exit());
                Ran failed = tether("await", broker, "--host", "clilines", "lines-1", "--try-once", "--wait", "20");
                assertEquals(new Ran(1, "lines-1: failed: 451 StorageServerConnectionError: " + shown + "\n", ""), failed);

                String managed = events.readLine();
                assertTrue(managed.endsWith(" MANAGED CONNECTING file:///srv/lines changed=[\"lines-1\"] cids=1"), managed);
                String error = events.readLine();
                assertTrue(error.endsWith(" STATE DISCONNECTED file:///srv/lines changed=[] cids=1 error=451 " + shown), error);
            } finally {
                watch.destroy();
            }

            // A CID with a right-to-left override would show as another; a long one keeps the columns in line.
            String longCid = "lines-" + "x".repeat(60);
            assertEquals(0, tether("manage", broker, "--host", "clilines", "lines-\u202Eabc", "file:///srv/lines").exit());
            assertEquals(0, tether("manage", broker, "--host", "clilines", longCid, "file:///srv/lines").exit());
            Ran table = tether("list", broker, "--host", "clilines");
            List<String> rows = table.out().lines().toList();
            assertEquals(5, rows.size(), table.out());
            assertTrue(rows.stream().anyMatch(r -> r.startsWith("lines-1 ") && r.endsWith(" 451 StorageServerConnectionError: " + shown)),
                    table.out());
            assertTrue(rows.stream().anyMatch(r -> r.startsWith("lines-\\u202Eabc ")), table.out());
            assertFalse(table.out().contains("\u202E"), table.out());
            int connection = rows.get(0).indexOf("CONNECTION");
            rows.subList(1, 4).forEach(r -> assertEquals(connection, r.indexOf("file:///srv/lines"), table.out()));
            // For scripts, the text as it is.
            Ran json = tether("list", broker, "--host", "clilines", "--json");
            assertEquals(said, JsonRpc.MAPPER.readTree(json.out()).at("/connections/lines-1/lastError/message").asText());
        }
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // reads the watch's lines without a timeout of their own
    void watchEndsWithOneLineWhenItsBrokerIsLost() throws Exception {
        try (TestWorker worker = new TestWorker("clilost", tmp.resolve("data"))) {
            dataDir = worker.dataDir();
            Process watch = start("watch", "--broker=" + worker.plainUrl(), "--host", "clilost");
            try {
                BufferedReader status = new BufferedReader(new InputStreamReader(watch.getErrorStream(), StandardCharsets.UTF_8));
                assertEquals("watching host clilost; Ctrl-C to stop", status.readLine());
                worker.stop();
                assertTrue(watch.waitFor(60, TimeUnit.SECONDS), "watch still waits for events that cannot come");
                assertEquals(1, watch.exitValue());
                List<String> said = status.lines().toList();
                assertEquals(1, said.size(), said.toString());
                assertTrue(said.get(0).startsWith("lost the broker at " + worker.plainUrl() + ": "), said.get(0));
            } finally {
                watch.destroyForcibly();
            }
        }
    }

    @Test
    void theWorkerShowsItsSealingKeyAndManageSealsSecrets() throws Exception {
        Path data = tmp.resolve("process");
        Path out = tmp.resolve("worker.out");
        int port = TestWorker.freePort();
        try (WorkerProcess process = new WorkerProcess("cli-key", data, port, out).start()) {
            Path publicJwk = data.resolve("sealing-key.pub.jwk").toAbsolutePath().normalize();
            String kid = JsonRpc.MAPPER.readTree(Files.readString(publicJwk)).get("kid").asText();
            String shown = Files.readString(out);
            assertTrue(shown.contains("  sealing key:    " + kid + "\n"), shown);
            assertTrue(shown.contains("  public JWK:     " + publicJwk + "\n"), shown);

            // On the worker's machine the CLI takes the host and the broker (not on 5672 here) from its data dir.
            dataDir = data;
            Ran local = tether("list");
            assertEquals(0, local.exit(), local.toString());
            assertTrue(local.out().startsWith("CID "), local.out());
            ProcessBuilder elsewhere = command("list");
            elsewhere.environment().put("TETHER_HOST", "elsewhere");
            Ran named = Cli.run(elsewhere);
            assertEquals(1, named.exit(), named.toString());
            assertTrue(named.err().contains("host elsewhere has no request queue"), named.err());
            // TLS against the plain port says which scheme it takes.
            Ran tls = tether("list", "--broker", "amqps://127.0.0.1:" + port, "--timeout", "5");
            assertEquals(1, tls.exit(), tls.toString());
            assertTrue(tls.err().startsWith("cannot reach the broker at amqps://127.0.0.1:" + port + ": ")
                    && tls.err().contains("amqp://"), tls.err());
            dataDir = null;
            process.terminate();
        }

        String secret = "Cli-S3cret-" + System.nanoTime();
        String key = "iscsi://target.example/iqn.2003-01.org.example:disk1";
        RecordingConnector iscsi = RecordingConnector.inMemory();
        String uri = "iscsi://user%" + secret + "@target.example/iqn.2003-01.org.example:disk1/0";
        try (TestWorker worker = new TestWorker("cliseal", tmp.resolve("data"), c -> c.withConnector(StorageType.ISCSI, iscsi))) {
            // On the command line, where ps shows it to every local user, a secret is refused before anything is sent.
            Ran shown = tether("manage", "--broker=" + worker.url(), "--host", "cliseal", "chap-0", uri);
            assertEquals(64, shown.exit(), shown.toString());
            assertTrue(shown.err().startsWith("tether manage: the URI holds a secret, which ps shows to every local user"),
                    shown.err());
            assertFalse(shown.err().contains(secret), shown.err());

            // From a file of the user's own.
            Path file = Files.writeString(tmp.resolve("chap.uri"), uri + "\n");
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Ran readable = tether("manage", "--broker=" + worker.url(), "--host", "cliseal", "chap-1", "--uri-file", file.toString());
            assertEquals(new Ran(64, "", "tether manage: " + file + " holds a URI with a secret but others may read it:"
                    + " chmod 600 " + file + " (see 'tether manage --help')\n"), readable);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Ran manage = tether("manage", "--broker=" + worker.url(), "--host", "cliseal", "chap-1", "--uri-file", file.toString());
            assertEquals(0, manage.exit(), manage.err());
            assertEquals("managed: chap-1 -> " + key, manage.out().strip());
            assertEquals(secret, iscsi.connectedUri(key, Duration.ofSeconds(20)).password(), "the worker got the secret");

            // From standard input.
            ProcessBuilder stdin = command("manage", "--broker=" + worker.url(), "--host", "cliseal", "chap-2", "--uri-file", "-");
            Ran piped = Cli.run(stdin.redirectInput(file.toFile()));
            assertEquals(0, piped.exit(), piped.err());
            assertEquals("managed: chap-2 -> " + key, piped.out().strip());

            // The requests went through the broker sealed: its files hold the CIDs, not the secret.
            Secrets.assertInNoFile(worker.dataDir().resolve("broker"), "chap-1", secret);
            Secrets.assertInNoFile(worker.dataDir().resolve("broker"), "chap-2", secret);
        }
    }
}
