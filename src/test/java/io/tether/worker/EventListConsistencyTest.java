package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.api.Schemas;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.connection.Observation;
import io.tether.connector.ActiveConnections;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import io.tether.store.OutboxEvent;
import io.tether.store.Store;
import io.tether.testing.TestWorker;
import io.tether.uri.ConnectionKey;
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
 * Events replay to the list, at every seq. Invariants: each event counts its connection's CIDs after
 * its own change (the CIDs the events before it gave the connection, with its {@code changedIds}
 * added for MANAGED and removed for UNMANAGED); replaying the status events up to a list page's
 * {@code seq} (MANAGED adding its changedIds to its connection, UNMANAGED removing them, every
 * event setting its connection's state) gives exactly the page's managed CIDs, each on its
 * connection, and each connection's state, over the page's range of CIDs (after its {@code after},
 * up to its {@code next}, or to the end when {@code next} is null); a page holds at most its
 * {@code limit}; every event's seq is the one after the previous. Requests come in random
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
                Map<Integer, String> afters = new HashMap<>();
                int size = 1 + random.nextInt(8);
                for (int c = 0; c < size; c++) {
                    calls.add(randomCall(random, c, dirs, afters));
                }
                String body = calls.size() == 1 ? calls.get(0) : "[" + String.join(",", calls) + "]";
                Reply reply = path.handle(List.of(new Incoming.Readable(body, Optional.of("msg:" + round)))).get(0);
                replay.readOutbox(store, seed);
                for (JsonNode response : responses(reply)) {
                    JsonNode result = response.get("result");
                    if (result != null && result.has("seq")) {
                        replay.assertMatches(result, afters.get(response.get("id").asInt()), seed);
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

    /**
     * 10,000 CIDs managed one by one on one connection, then unmanaged by one prefix. Invariants:
     * every event's size follows its change, not the connection (a one-CID event stays under 1 KiB
     * however many CIDs the connection has; a big unmanage is split into events that each fit a
     * message); replaying the events gives exactly the list, read page by page with each page's
     * {@code next}; and no page's reply is bigger than a message.
     */
    @Test
    void tenThousandCidsOnOneConnectionCostEventsThatFollowTheChange() throws Exception {
        int n = 10_000;
        Path dir = Files.createDirectories(tmp.resolve("storage").resolve("crowded"));
        try (Store store = Store.open(tmp.resolve("db"))) {
            StorageService service = new StorageService("crowded", store, Clock.systemUTC(),
                    ActiveConnections.ofHost(tmp.resolve("no-mounts")), () -> { });
            service.load();
            RequestPath path = new RequestPath(new RequestCodec(MountPolicy.defaults(), TestWorker.FILE_ROOTS,
                    SealingKey.open(tmp.resolve("sealing-key.jwk"))), service, store, key -> { });
            Replay replay = new Replay(false);
            // Long CIDs, so that one unmanage of them all is more than one event may name.
            String padding = "x".repeat(60);
            // Each manage its own event, as if sent one by one, but 500 to a message (one commit): a
            // list between two manages closes the event of the first (and is all but free).
            for (int start = 0; start < n; start += 500) {
                List<String> calls = new ArrayList<>();
                for (int i = start; i < start + 500; i++) {
                    calls.add(call(2 * i, "manageStorageServer", "{\"connectionId\":\"crowd-" + String.format("%05d", i)
                            + padding + "\",\"uri\":\"file://" + dir + "\"}"));
                    calls.add(call(2 * i + 1, "getStorageServerList", "{\"connectionIdPrefix\":\"nothing\"}"));
                }
                path.handle(List.of(new Incoming.Readable("[" + String.join(",", calls) + "]", Optional.of("msg:m" + start))));
            }
            assertEquals(n, store.lastSeq(), "one event per manage");
            int largest = store.pendingEvents(0, n).stream().mapToInt(e -> e.body().length()).max().orElseThrow();
            assertTrue(largest < 1024, "a one-CID event stays small on a crowded connection: " + largest + " bytes");
            replay.readOutbox(store, 0);

            TreeMap<String, String> listed = new TreeMap<>();
            String after = "";
            int pages = 0;
            do {
                Reply reply = path.handle(List.of(new Incoming.Readable(call(1, "getStorageServerList",
                        "{\"after\":\"" + after + "\"}"), Optional.of("msg:list" + pages)))).get(0);
                String json = ((Reply.Send) reply).json();
                assertTrue(json.length() < 1_114_112, "a page fits a message: " + json.length() + " bytes");
                JsonNode page = JsonRpc.MAPPER.readTree(json).get("result");
                replay.assertMatches(page, after, 0);
                page.get("connections").fields().forEachRemaining(e -> listed.put(e.getKey(), e.getValue().get("connectionKey").asText()));
                after = page.get("next").isNull() ? null : page.get("next").asText();
                pages++;
            } while (after != null);
            assertEquals(n, listed.size());
            assertEquals(replay.view(), listed, "the events replay to the whole list, page by page");
            assertTrue(pages > 1, "more than one page: " + pages);

            long before = replay.seq;
            path.handle(List.of(new Incoming.Readable(call(2, "unmanageStorageServer", "{\"connectionIdPrefix\":\"crowd-\"}"),
                    Optional.of("msg:all"))));
            List<OutboxEvent> unmanaged = store.pendingEvents(before, 100);
            assertTrue(unmanaged.size() > 1, "one unmanage of 10,000 long CIDs is split: " + unmanaged.size() + " events");
            for (OutboxEvent e : unmanaged) {
                assertTrue(e.body().length() < 1_114_112, "each fits a message: " + e.body().length() + " bytes");
            }
            replay.readOutbox(store, 0); // each part counts the CIDs left after it
            assertEquals(Map.of(), replay.view());
        }
    }

    /** @param afters where a list call's {@code after} goes, by its id */
    private static String randomCall(Random random, int id, List<Path> dirs, Map<Integer, String> afters) {
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
        if (random.nextBoolean()) {
            afters.put(id, "");
            return call(id, "getStorageServerList", "{}");
        }
        // A page from somewhere in the middle: after a CID that may or may not be managed.
        String after = random.nextBoolean() ? "" : CIDS[random.nextInt(CIDS.length)].substring(0, 2 + random.nextInt(2));
        afters.put(id, after);
        return call(id, "getStorageServerList", "{\"after\":\"" + after + "\",\"limit\":" + (1 + random.nextInt(3)) + "}");
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
        final Map<String, TreeSet<String>> cidsByConnection = new HashMap<>();
        final Map<String, String> stateByConnection = new HashMap<>();
        /** Per connection, its health's status and reasons: what an event is due for (the delay is not). */
        final Map<String, String> healthByConnection = new HashMap<>();
        final Map<Long, Map<String, String>> healthsAt = new HashMap<>();
        /**
         * The replayed view after each seq, for lists that report an earlier seq than the outbox
         * holds; not kept when every list is read at the last seq (a copy per event of a crowded
         * view would cost the square of its CIDs).
         */
        final Map<Long, TreeMap<String, String>> viewAt = new HashMap<>();
        final boolean keepViews;

        Replay() {
            this(true);
        }

        Replay(boolean keepViews) {
            this.keepViews = keepViews;
        }

        /** CID to connection, as replayed up to {@link #seq}. */
        TreeMap<String, String> view() {
            TreeMap<String, String> view = new TreeMap<>();
            cidsByConnection.forEach((k, list) -> list.forEach(cid -> view.put(cid, k)));
            return view;
        }
        final Map<Long, Map<String, String>> statesAt = new HashMap<>();

        void readOutbox(Store store, long seed) throws Exception {
            for (OutboxEvent e : store.pendingEvents(seq, 10_000)) {
                assertEquals(seq + 1, e.seq(), "events are gap-free (seed " + seed + ")");
                JsonNode note = JsonRpc.MAPPER.readTree(e.body());
                assertEquals(List.of(), Schemas.problems("storageServerStatusChanged.event", note), e.body());
                JsonNode params = note.get("params");
                String key = params.get("connectionKey").asText();
                TreeSet<String> expected = cidsByConnection.computeIfAbsent(key, k -> new TreeSet<>());
                params.get("changedIds").forEach(c -> {
                    if (params.get("change").asText().equals("MANAGED")) {
                        expected.add(c.asText());
                    } else {
                        expected.remove(c.asText());
                    }
                });
                assertEquals(expected.size(), params.get("connectionIdCount").asInt(), "event " + e.seq() + " counts its"
                        + " connection's CIDs after its own change: the CIDs before it, with its changedIds added or"
                        + " removed (seed " + seed + ")");
                stateByConnection.put(key, params.get("state").asText());
                healthByConnection.put(key, graded(params.get("health")));
                seq = e.seq();
                if (keepViews) {
                    viewAt.put(seq, view());
                }
                statesAt.put(seq, new HashMap<>(stateByConnection));
                healthsAt.put(seq, new HashMap<>(healthByConnection));
            }
        }

        static String graded(JsonNode health) {
            return health.get("status").asText() + " " + health.get("reasons");
        }

        void assertMatches(JsonNode list, String after, long seed) {
            long at = list.get("seq").asLong();
            assertEquals(List.of(), Schemas.problems("getStorageServerList.response", list), list.toString());
            String next = list.get("next").isNull() ? null : list.get("next").asText();
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
            TreeMap<String, String> replayed = at == seq ? view() : new TreeMap<>(at == 0 ? new TreeMap<>() : viewAt.get(at));
            // The page's range: after its after, up to and including its next (to the end on the last page).
            replayed.keySet().removeIf(cid -> cid.compareTo(after) <= 0 || next != null && cid.compareTo(next) > 0);
            assertEquals(listed, replayed, "CIDs replayed from the events up to seq " + at + " (seed " + seed + ")");
            listedStates.forEach((key, state) -> assertEquals(state, statesAt.get(at).get(key),
                    "state of " + key + " replayed up to seq " + at + " (seed " + seed + ")"));
            listedHealth.forEach((key, health) -> assertEquals(health, healthsAt.get(at).get(key),
                    "health of " + key + " replayed up to seq " + at + " (seed " + seed + ")"));
        }
    }
}
