package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.api.RequestCodec;
import io.tether.api.Schemas;
import io.tether.connection.ConnectionKey;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.connection.Observation;
import io.tether.connector.ActiveConnections;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import io.tether.store.Store;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events replay to the list, at every seq. Invariants: each event lists its connection's CIDs after
 * its own change (the CIDs of the connection's previous event, with its {@code changedIds} added
 * for MANAGED and removed for UNMANAGED); replaying the status events up to a list's
 * {@code seq} (each event setting its connection's CIDs to its {@code connectionIds} and its state
 * to its {@code state}) gives exactly the list's managed CIDs, each on its connection, and each
 * connection's state; every event's seq is the one after the previous. Requests come in random
 * batches (manages, unmanages by CID and by prefix, of a few CIDs over a few connections, so that
 * one transaction often changes one connection several times), with connector observations in
 * between. Replayable: the failing seed is in the assertion message; run with
 * {@code -Dtether.seed=N} to replay it.
 */
class EventListConsistencyTest {
    private static final String[] CIDS = {"a-1", "a-2", "a-3", "b-1", "b-2"};

    @TempDir
    Path tmp;

    @Test
    void replayingTheEventsUpToAListsSeqGivesTheList() throws Exception {
        long seed = Long.getLong("tether.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            dirs.add(Files.createDirectories(tmp.resolve("storage").resolve("d" + i)));
        }
        try (Store store = Store.open(tmp.resolve("db"))) {
            StorageService service = new StorageService("consistency", store, Clock.systemUTC(),
                    ActiveConnections.ofHost(tmp.resolve("no-mounts")), () -> { });
            service.load();
            List<ConnectionKey> reconciled = new ArrayList<>();
            RequestPath path = new RequestPath(new RequestCodec(MountPolicy.defaults(), TestWorker.FILE_ROOTS,
                    SealingKey.open(tmp.resolve("sealing-key.jwk"))), service, store, reconciled::add);
            Replay replay = new Replay();
            int lists = 0;
            for (int round = 0; round < 300; round++) {
                List<String> calls = new ArrayList<>();
                int size = 1 + random.nextInt(8);
                for (int c = 0; c < size; c++) {
                    calls.add(randomCall(random, c, dirs));
                }
                String body = calls.size() == 1 ? calls.get(0) : "[" + String.join(",", calls) + "]";
                Reply reply = path.handle(List.of(new Incoming.Readable(body, Optional.of("msg:" + round)))).get(0);
                replay.readOutbox(store, seed);
                for (JsonNode response : responses(reply)) {
                    JsonNode result = response.get("result");
                    if (result != null && result.has("seq")) {
                        replay.assertMatches(result, seed);
                        lists++;
                    }
                }
                if (!reconciled.isEmpty() && random.nextBoolean()) {
                    ConnectionKey key = reconciled.get(random.nextInt(reconciled.size()));
                    service.observe(key, switch (random.nextInt(3)) {
                        case 0 -> Observation.connected();
                        // Graded: a delay that changes every time, and SLOW or not.
                        case 1 -> Observation.connected(Health.of(random.nextBoolean() ? List.of() : List.of(Health.Reason.SLOW),
                                (long) random.nextInt(10_000), Instant.now(), null), Map.of());
                        default -> Observation.failed(new LastError(477, "StorageServerConnectionError", "down", Instant.now()));
                    });
                    if (service.target(key).map(t -> !t.wanted()).orElse(false)) {
                        service.observe(key, Observation.released());
                    }
                }
            }
            assertTrue(lists > 100, "the rounds held lists to compare with (seed " + seed + ")");
        }
    }

    private static String randomCall(Random random, int id, List<Path> dirs) {
        String cid = CIDS[random.nextInt(CIDS.length)];
        int kind = random.nextInt(10);
        if (kind < 5) {
            // A CID always names the same directory, so a manage again is "already managed".
            Path dir = dirs.get(Math.floorMod(cid.hashCode(), dirs.size()));
            return call(id, "manageStorageServer", "{\"connectionId\":\"" + cid + "\",\"uri\":\"file://" + dir + "\"}");
        }
        if (kind < 8) {
            return call(id, "unmanageStorageServer", "{\"connectionId\":\"" + cid + "\"}");
        }
        if (kind < 9) {
            return call(id, "unmanageStorageServer", "{\"connectionIdPrefix\":\"" + cid.charAt(0) + "-\"}");
        }
        return call(id, "getStorageServerList", "{}");
    }

    private static String call(int id, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private static List<JsonNode> responses(Reply reply) throws Exception {
        if (!(reply instanceof Reply.Send send)) {
            return List.of();
        }
        JsonNode json = JsonRpc.MAPPER.readTree(send.json());
        List<JsonNode> all = new ArrayList<>();
        if (json.isArray()) {
            json.forEach(all::add);
        } else {
            all.add(json);
        }
        return all;
    }

    /** What a client knows from the events: per connection, its CIDs and state, at each seq. */
    private static final class Replay {
        long seq;
        final Map<String, List<String>> cidsByConnection = new HashMap<>();
        final Map<String, String> stateByConnection = new HashMap<>();
        /** Per connection, its health's status and reasons: what an event is due for (the delay is not). */
        final Map<String, String> healthByConnection = new HashMap<>();
        final Map<Long, Map<String, String>> healthsAt = new HashMap<>();
        /** The replayed view after each seq, for lists that report an earlier seq than the outbox holds. */
        final Map<Long, TreeMap<String, String>> viewAt = new HashMap<>();
        final Map<Long, Map<String, String>> statesAt = new HashMap<>();

        void readOutbox(Store store, long seed) throws Exception {
            for (Store.OutboxEvent e : store.pendingEvents(seq, 10_000)) {
                assertEquals(seq + 1, e.seq(), "events are gap-free (seed " + seed + ")");
                JsonNode note = JsonRpc.MAPPER.readTree(e.body());
                assertEquals(List.of(), Schemas.problems("storageServerStatusChanged.event", note), e.body());
                JsonNode params = note.get("params");
                String key = params.get("connectionKey").asText();
                List<String> cids = new ArrayList<>();
                params.get("connectionIds").forEach(c -> cids.add(c.asText()));
                TreeSet<String> expected = new TreeSet<>(cidsByConnection.getOrDefault(key, List.of()));
                params.get("changedIds").forEach(c -> {
                    if (params.get("change").asText().equals("MANAGED")) {
                        expected.add(c.asText());
                    } else {
                        expected.remove(c.asText());
                    }
                });
                assertEquals(List.copyOf(expected), cids, "event " + e.seq() + " lists its connection's CIDs after its"
                        + " own change: the CIDs before it, with its changedIds added or removed (seed " + seed + ")");
                cidsByConnection.put(key, cids);
                stateByConnection.put(key, params.get("state").asText());
                healthByConnection.put(key, graded(params.get("health")));
                seq = e.seq();
                TreeMap<String, String> view = new TreeMap<>();
                cidsByConnection.forEach((k, list) -> list.forEach(cid -> view.put(cid, k)));
                viewAt.put(seq, view);
                statesAt.put(seq, new HashMap<>(stateByConnection));
                healthsAt.put(seq, new HashMap<>(healthByConnection));
            }
        }

        static String graded(JsonNode health) {
            return health.get("status").asText() + " " + health.get("reasons");
        }

        void assertMatches(JsonNode list, long seed) {
            long at = list.get("seq").asLong();
            TreeMap<String, String> listed = new TreeMap<>();
            Map<String, String> listedStates = new HashMap<>();
            Map<String, String> listedHealth = new HashMap<>();
            list.get("connections").fields().forEachRemaining(e -> {
                if (e.getValue().get("managed").asBoolean()) {
                    listed.put(e.getKey(), e.getValue().get("connectionKey").asText());
                    listedStates.put(e.getValue().get("connectionKey").asText(), e.getValue().get("state").asText());
                    listedHealth.put(e.getValue().get("connectionKey").asText(), graded(e.getValue().get("health")));
                }
            });
            TreeMap<String, String> replayed = at == 0 ? new TreeMap<>() : viewAt.get(at);
            assertEquals(listed, replayed, "CIDs replayed from the events up to seq " + at + " (seed " + seed + ")");
            listedStates.forEach((key, state) -> assertEquals(state, statesAt.get(at).get(key),
                    "state of " + key + " replayed up to seq " + at + " (seed " + seed + ")"));
            listedHealth.forEach((key, health) -> assertEquals(health, healthsAt.get(at).get(key),
                    "health of " + key + " replayed up to seq " + at + " (seed " + seed + ")"));
        }
    }
}
