package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.store.OutboxEvent;
import io.tether.store.Store;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Data dirs that earlier versions wrote, opened by this one. Each fixture under
 * {@code src/test/resources/upgrade/COMMIT/} was made by that commit's own worker and CLI
 * ({@code make-fixture.sh}; its README.md lists what it managed and what it stored). Invariants:
 * every CID the earlier version kept is listed managed, none is added; each keeps its settings;
 * a URI in an IPv4 spelling that is refused now is served under the address the host's tools used;
 * one the rules refuse otherwise, and one that is now the same connection as an earlier CID with
 * other settings, stays managed, DISCONNECTED, with an error saying what to do, and is unmanaged or
 * managed again like any CID; event seqs go on from the last one the earlier version handed out.
 * Each later change to the schema or the parsing rules adds its own fixture.
 */
class UpgradeIT {
    private static final String REFUSED = "UNSUPPORTED_URI";
    private static final String CONFLICT = "OPTIONS_CONFLICT";
    private static final String LOOPBACK = "nfs://127.0.0.1:1/x";

    @TempDir
    Path tmp;

    /** What each CID must show after the upgrade: its key, and the error name if it is stranded. */
    private record Expected(String key, String strandedBy) {
    }

    static Stream<Arguments> fixtures() {
        Map<String, Expected> both = new TreeMap<>(Map.of(
                "fx-file-1", new Expected("file:///srv/tether-fixture/a", null),
                "fx-file-2", new Expected("file:///srv/tether-fixture/a", null),
                "fx-file-3", new Expected("file:///srv/tether-fixture/b", null),
                "fx-nfs-1", new Expected("nfs://192.0.2.10/export/a", null),
                "fx-nfs-v6a", new Expected("nfs://[2001:db8::1]/export", null),
                "fx-iscsi-chap", new Expected("iscsi://192.0.2.20/iqn.2003-01.org.example:disk1", null)));
        Map<String, Expected> dab6ffa = new TreeMap<>(both);
        dab6ffa.putAll(Map.of(
                "fx-nfs-short", new Expected(LOOPBACK, null),
                "fx-nfs-octal", new Expected(LOOPBACK, null),
                "fx-nfs-hex", new Expected(LOOPBACK, null),
                "fx-nfs-zone", new Expected("nfs://[fe80::1%25lo]:1/x", REFUSED),
                // The same server as fx-nfs-v6a, written another way, with version 3: a key of its own then.
                "fx-nfs-v6b", new Expected("nfs://[2001:db8::1]/export", CONFLICT)));
        return Stream.of(Arguments.of("dab6ffa", 24L, dab6ffa), Arguments.of("217ec80", 14L, both));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyCidAnEarlierVersionKeptIsManagedAfterTheUpgrade(String commit, long lastSeq, Map<String, Expected> expected)
            throws Exception {
        Path data = copyFixture(commit);
        try (TestWorker worker = new TestWorker("upgrade", data)) {
            try (RawClient client = new RawClient(worker.url(), "upgrade")) {
                JsonNode list = client.list();
                assertTrue(list.get("seq").asLong() >= lastSeq, list.toString());
                JsonNode connections = list.get("connections");
                Map<String, Expected> seen = new TreeMap<>();
                connections.fields().forEachRemaining(e -> {
                    if (e.getValue().get("managed").asBoolean()) {
                        JsonNode error = e.getValue().get("lastError");
                        String stranded = error.isNull() || !Stream.of(REFUSED, CONFLICT).toList()
                                .contains(error.get("name").asText()) ? null : error.get("name").asText();
                        seen.put(e.getKey(), new Expected(e.getValue().get("connectionKey").asText(), stranded));
                    }
                });
                assertEquals(expected, seen, connections.toString());

                assertEquals("4.1", connections.at("/fx-nfs-1/connectionInfo/version").asText());
                assertEquals("[\"ro\"]", connections.at("/fx-nfs-1/connectionInfo/options").toString());
                assertEquals("4.1", connections.at("/fx-nfs-v6a/connectionInfo/version").asText());
                assertEquals("chap", connections.at("/fx-iscsi-chap/connectionInfo/auth").asText(), "its secret was read");

                // New events go on from the earlier version's seqs.
                Path fresh = Files.createDirectories(tmp.resolve("fresh"));
                client.manage("fx-new", "file://" + fresh);
                JsonNode managed = await().atMost(Duration.ofSeconds(30)).until(() -> client.events.stream()
                        .filter(e -> e.get("changedIds").toString().contains("fx-new")).findFirst().orElse(null), e -> e != null);
                assertTrue(managed.get("seq").asLong() > lastSeq, managed.toString());

                if (expected.containsKey("fx-nfs-zone")) {
                    assertEquals("[\"fx-nfs-zone\"]", client.unmanage("fx-nfs-zone").at("/result/unmanaged").toString());
                    JsonNode again = client.manage("fx-nfs-v6b", "nfs://[2001:db8::1]/export?version=4.1");
                    assertFalse(again.at("/result/alreadyManaged").asBoolean(), again.toString());
                }
            }
            worker.stop();

            worker.start();
            try (RawClient client = new RawClient(worker.url(), "upgrade")) {
                JsonNode connections = client.list().get("connections");
                assertFalse(connections.has("fx-nfs-zone"), connections.toString());
                assertTrue(connections.has("fx-new"));
                if (expected.containsKey("fx-nfs-v6b")) {
                    assertEquals("nfs://[2001:db8::1]/export", connections.at("/fx-nfs-v6b/connectionKey").asText());
                    assertTrue(connections.at("/fx-nfs-v6b/lastError").isNull()
                            || !connections.at("/fx-nfs-v6b/lastError/name").asText().equals(CONFLICT), connections.toString());
                    assertEquals(LOOPBACK, connections.at("/fx-nfs-hex/connectionKey").asText(), "the rewrite was stored");
                }
            }
        }
    }

    /**
     * An event an earlier version wrote and did not publish before it stopped is published by this
     * one, with the selectors its body names: the migration gives the outbox row its state and change.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void anEventAnEarlierVersionLeftUnpublishedIsPublishedWithItsSelectors(String commit, long lastSeq,
            Map<String, Expected> expected) throws Exception {
        Path data = copyFixture(commit);
        long seq = lastSeq + 1;
        String body = "{\"jsonrpc\":\"2.0\",\"method\":\"statusChanged\",\"params\":{\"hostId\":\"upgrade\",\"seq\":"
                + seq + ",\"at\":\"2026-01-01T00:00:00Z\",\"connectionKey\":\"file:///srv/tether-fixture/a\",\"cidCount\":2,"
                + "\"changedIds\":[],\"state\":\"DISCONNECTED\",\"connected\":false,\"lastError\":null,"
                + "\"health\":{\"status\":\"unknown\",\"reasons\":[]},\"connectionInfo\":{\"type\":\"file\"},\"change\":\"HEALTH\"}}";
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + data.resolve("db").resolve("tether")
                + ";IFEXISTS=TRUE", "tether", "");
             PreparedStatement ps = db.prepareStatement("INSERT INTO event_outbox (seq, body) VALUES (?, ?)")) {
            ps.setLong(1, seq);
            ps.setString(2, body);
            ps.executeUpdate();
        }
        try (Store store = Store.open(data.resolve("db"))) {
            assertEquals(List.of(new OutboxEvent(seq, body, "DISCONNECTED", "HEALTH")), store.pendingEvents(0, 10));
        }
        try (TestWorker worker = new TestWorker("upgrade", data, TestWorker::withHttp)) {
            HttpClient http = HttpClient.newHttpClient();
            // Counted by the change the publisher set on its message.
            await().atMost(Duration.ofSeconds(30)).until(() -> http.send(HttpRequest.newBuilder(
                    URI.create(worker.httpUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body(),
                    metrics -> metrics.contains("tether_events_published_total{change=\"HEALTH\"} 1"));
            try (RawClient client = new RawClient(worker.url(), "upgrade")) {
                assertTrue(client.list().get("seq").asLong() >= seq, "seqs go on after the earlier version's last event");
            }
        }
    }

    /** The fixture's db dir in a data dir of this test's, private as the worker requires. */
    private Path copyFixture(String commit) throws IOException {
        Path data = Files.createDirectories(tmp.resolve("data-" + commit));
        Path db = Files.createDirectories(data.resolve("db"));
        for (Path dir : new Path[] {data, db}) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        for (String file : new String[] {"tether.mv.db", "credentials.key"}) {
            Path copy = Files.copy(Path.of("src/test/resources/upgrade", commit, "db", file), db.resolve(file));
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        }
        return data;
    }
}
