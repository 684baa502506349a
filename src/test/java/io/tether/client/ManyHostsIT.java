package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.ErrorCode;
import io.tether.api.Results;
import io.tether.testing.Cli.Ran;
import io.tether.testing.Cli;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import io.tether.worker.WorkerConfig;
import jakarta.jms.JMSSecurityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on several hosts at once, through the client library and the {@code tether} command
 * line: one standalone Artemis serving four hosts, real workers for two of them, and two hosts
 * whose workers are not running (their queues exist, nothing answers). Each host has its own
 * result; the absent ones are reported as not answering, and the others still succeed.
 */
class ManyHostsIT {
    private static final Duration SHORT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    private static TestWorker worker(Path dir, String host, StandaloneArtemis broker) throws Exception {
        BrokerCredentials login = broker.hostLogin(host);
        return new TestWorker(WorkerConfig.external(host, dir.resolve(host), broker.url())
                .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials(login.user(), login.password()));
    }

    @Test
    void oneResultPerHostAndTheAbsentOnesSayTheyDidNotAnswer() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")),
                "mh1", "mh2", "gone1", "gone2");
             TestWorker h1 = worker(tmp, "mh1", broker);
             TestWorker h2 = worker(tmp, "mh2", broker);
             TetherClient engine = TetherClient.connect(broker.url(), "engine", broker.engineLogin().password())) {
            Set<String> all = new LinkedHashSet<>(List.of("mh1", "gone1", "mh2", "gone2"));
            Set<String> up = Set.of("mh1", "mh2");
            String uri = "file://" + storage;

            // In flight together: two hosts that do not answer cost one timeout, not two (one after
            // the other, they would take at least twice the timeout).
            Duration timeout = Duration.ofSeconds(8);
            // Warm: a new worker's first request is slow on a loaded machine (classes, JIT).
            assertTrue(engine.list(up, null, Duration.ofSeconds(60)).values().stream().allMatch(HostResult::ok));
            long start = System.nanoTime();
            Map<String, HostResult<Results.Managed>> managed = engine.manage(all, "cid-1", uri, timeout);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(timeout.multipliedBy(2)) < 0, "took " + took);
            assertEquals(List.copyOf(all), List.copyOf(managed.keySet()), "one result per host, in the order given");
            for (String host : up) {
                assertTrue(managed.get(host).ok(), host + ": " + managed.get(host));
                assertEquals("cid-1", managed.get(host).value().connectionId());
            }
            for (String host : List.of("gone1", "gone2")) {
                assertTrue(managed.get(host).noAnswer(), host + ": " + managed.get(host));
                assertInstanceOf(TimeoutException.class, managed.get(host).failure());
                assertTrue(managed.get(host).failure().getMessage().contains("host " + host + " did not answer"));
            }

            // Await: connected where a worker runs; no answer from the others.
            Map<String, HostResult<TetherClient.WaitResult>> waited = engine.awaitConnected(all, "cid-1", SHORT);
            for (String host : up) {
                assertEquals(TetherClient.WaitOutcome.CONNECTED, waited.get(host).value().outcome(), host);
            }
            assertTrue(waited.get("gone1").noAnswer() && waited.get("gone2").noAnswer(), waited.toString());
            // A host that answers, but does not manage the CID, says so; the others are not held up.
            engine.unmanage("mh2", "cid-1", SHORT);
            Map<String, HostResult<TetherClient.WaitResult>> partly = engine.awaitConnected(up, "cid-1", SHORT);
            assertEquals(TetherClient.WaitOutcome.CONNECTED, partly.get("mh1").value().outcome());
            assertEquals(Optional.of(ErrorCode.CID_NOT_FOUND),
                    assertInstanceOf(RpcException.class, partly.get("mh2").failure()).errorCode());

            Map<String, HostResult<Results.StorageServerList>> lists = engine.list(all, null, SHORT);
            assertTrue(lists.get("mh1").value().connections().containsKey("cid-1"));
            assertFalse(lists.get("mh2").value().connections().containsKey("cid-1"));
            assertTrue(lists.get("gone1").noAnswer());

            // A host the broker does not know is refused at once (no queue, no right to make one).
            Map<String, HostResult<JsonNode>> unknown = engine.call(new LinkedHashSet<>(List.of("mh1", "nobody")),
                    "getStorageServerList", Map.of(), SHORT);
            assertTrue(unknown.get("mh1").ok());
            assertTrue(assertInstanceOf(JMSSecurityException.class, unknown.get("nobody").failure()).getMessage()
                    .startsWith("host nobody has no request queue on this broker"), unknown.toString());

            Map<String, HostResult<Results.Unmanaged>> unmanaged = engine.unmanage(up, "cid-1", SHORT);
            assertEquals(List.of("cid-1"), unmanaged.get("mh1").value().unmanaged());
            assertEquals(ErrorCode.CID_NOT_FOUND.code(),
                    assertInstanceOf(RpcException.class, unmanaged.get("mh2").failure()).code());

            commandLine(broker, uri);
        }
    }

    /** The same through {@code tether ... --host h1,h2,...}: a line (or section) per host, and the exit status. */
    private void commandLine(StandaloneArtemis broker, String uri) throws Exception {
        Ran manage = tether(broker, "manage", "--host", "mh1,gone1,mh2", "--timeout", "8", "cid-2", uri);
        assertEquals(1, manage.exit(), manage.toString());
        List<String> lines = manage.out().lines().toList();
        assertEquals(3, lines.size(), manage.toString());
        assertTrue(lines.get(0).startsWith("mh1: managed: cid-2 -> "), manage.toString());
        assertTrue(lines.get(1).startsWith("gone1: no answer: host gone1 did not answer"), manage.toString());
        assertTrue(lines.get(2).startsWith("mh2: managed: cid-2 -> "), manage.toString());
        // gone1's request waits in its queue: a worker that comes back applies it.
        assertEquals("tether manage: 1 of 3 hosts failed: gone1\ntether manage: a request that got no answer may still be"
                + " applied when the host gets it: check with 'tether list --host gone1'", manage.err().strip());

        Ran connected = tether(broker, "await", "--host", "mh1,mh2", "--wait", "10", "cid-2");
        assertEquals(0, connected.exit(), connected.toString());
        assertEquals(List.of("mh1: cid-2: connected", "mh2: cid-2: connected"), connected.out().lines().toList());
        // A host that does not answer counts as a timeout: exit 2.
        Ran absent = tether(broker, "await", "--host", "mh1,gone2", "--wait", "2", "cid-2");
        assertEquals(2, absent.exit(), absent.toString());
        assertTrue(absent.out().contains("gone2: no answer: "), absent.toString());

        Ran list = tether(broker, "list", "--host", "mh1,gone1", "--timeout", "8");
        assertEquals(1, list.exit(), list.toString());
        assertTrue(list.out().startsWith("== host mh1\nCID "), list.toString());
        assertTrue(list.out().contains("\n== host gone1: no answer: "), list.toString());

        Ran unmanage = tether(broker, "unmanage", "--host", "mh1,mh2", "cid-2");
        assertEquals(0, unmanage.exit(), unmanage.toString());
        assertTrue(unmanage.out().contains("mh1: unmanaged: cid-2") && unmanage.out().contains("mh2: unmanaged: cid-2"),
                unmanage.toString());
    }


    private Ran tether(StandaloneArtemis broker, String... args) throws Exception {
        Path password = broker.instance().resolve("credentials/engine.password");
        List<String> command = new ArrayList<>(List.of(args[0], "--broker", broker.url(), "--user", "engine",
                "--password-file", password.toString()));
        command.addAll(List.of(args).subList(1, args.length));
        return Cli.run(Cli.command(command));
    }
}
