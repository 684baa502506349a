package io.tether.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A simulated worker's history (manages and unmanages of a few CIDs on a few connections, state and
 * health changes, connections disconnected after their last CID, stranded CIDs unmanaged), and a
 * console that subscribes at some seq, gets the events up to some later one, then a list in pages
 * taken at different seqs with cursors anywhere (empty pages too), then the rest of the events,
 * perhaps with a second paged list on the way. Once the console's seq reaches the highest page seq,
 * what it shows at every seq is exactly the worker's state at that seq (before, each CID is as its
 * page or a later event has it), and it never asks for a list: no CID count differs from the
 * worker's.
 */
class FleetStatePagesPropertyTest {
    private static final String HOST = "h1";
    private static final List<String> KEYS = List.of("file:///k0", "file:///k1", "file:///k2");
    private static final List<String> POOL = List.of("c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09",
            "c10", "c11");

    /** A connection of the worker (a copy per seq: the state at each seq is kept). */
    private record Conn(String state, String error, String health, TreeSet<String> cids) {
        Conn with(String newState, String newError, String newHealth) {
            return new Conn(newState, newError, newHealth, new TreeSet<>(cids));
        }
    }

    /** The worker's state at one seq: live connections by key (with no CID: being disconnected), stranded CIDs' keys. */
    private record State(TreeMap<String, Conn> live, TreeMap<String, String> stranded) {
        State copy() {
            TreeMap<String, Conn> l = new TreeMap<>();
            live.forEach((k, c) -> l.put(k, c.with(c.state(), c.error(), c.health())));
            return new State(l, new TreeMap<>(stranded));
        }

        /** What the console should show: per key its state, CIDs, error and health; per stranded group its CIDs. */
        TreeMap<String, String> view() {
            TreeMap<String, String> view = new TreeMap<>();
            live.forEach((k, c) -> view.put(k, c.state() + " " + c.cids() + " " + c.error() + " " + c.health()));
            stranded.forEach((cid, k) -> view.merge(FleetState.STRANDED + k, "[" + cid + "]",
                    (a, b) -> a.substring(0, a.length() - 1) + ", " + b.substring(1)));
            return view;
        }
    }

    /** The simulated worker: its state after each seq, and its events. */
    private static final class Worker {
        final Random random;
        final List<State> states = new ArrayList<>();
        final List<JsonNode> events = new ArrayList<>();
        State now = new State(new TreeMap<>(), new TreeMap<>());

        Worker(Random random) {
            this.random = random;
            for (String cid : POOL) {
                if (random.nextInt(5) == 0) {
                    now.stranded().put(cid, pick(KEYS));
                }
            }
            states.add(now.copy());
            events.add(null); // no event 0
        }

        long seq() {
            return states.size() - 1;
        }

        <T> T pick(List<T> from) {
            return from.get(random.nextInt(from.size()));
        }

        List<String> free() {
            return POOL.stream().filter(c -> !now.stranded().containsKey(c)
                    && now.live().values().stream().noneMatch(k -> k.cids().contains(c))).toList();
        }

        /** One change, and its event. */
        void step() {
            List<String> held = now.live().entrySet().stream().filter(e -> !e.getValue().cids().isEmpty()).map(Map.Entry::getKey)
                    .toList();
            List<String> orphans = now.live().entrySet().stream().filter(e -> e.getValue().cids().isEmpty())
                    .map(Map.Entry::getKey).toList();
            List<String> free = free();
            while (true) {
                switch (random.nextInt(6)) {
                    case 0 -> {
                        if (free.isEmpty()) {
                            continue;
                        }
                        String key = pick(KEYS);
                        Conn c = now.live().computeIfAbsent(key, k -> new Conn("CONNECTING", null, "DEGRADED", new TreeSet<>()));
                        List<String> added = new ArrayList<>();
                        for (int i = 1 + random.nextInt(3); i > 0; i--) {
                            String cid = pick(free);
                            if (c.cids().add(cid)) {
                                added.add(cid);
                            }
                        }
                        publish(key, "MANAGED", c, added);
                    }
                    case 1 -> {
                        if (held.isEmpty()) {
                            continue;
                        }
                        String key = pick(held);
                        Conn c = now.live().get(key);
                        List<String> removed = new ArrayList<>();
                        for (String cid : List.copyOf(c.cids())) {
                            if (removed.isEmpty() || random.nextBoolean()) {
                                removed.add(cid);
                                c.cids().remove(cid);
                            }
                        }
                        if (c.cids().isEmpty() && "DISCONNECTED".equals(c.state())) {
                            now.live().remove(key); // nothing left to disconnect
                        }
                        publish(key, "UNMANAGED", c, removed);
                    }
                    case 2 -> {
                        if (held.isEmpty()) {
                            continue;
                        }
                        String key = pick(held);
                        Conn c = now.live().get(key);
                        String state = pick(List.of("CONNECTING", "CONNECTED", "DISCONNECTED").stream()
                                .filter(s -> !s.equals(c.state())).toList());
                        String error = switch (state) {
                            case "CONNECTED" -> null;
                            case "DISCONNECTED" -> "e" + (seq() + 1);
                            default -> c.error();
                        };
                        Conn changed = c.with(state, error, "CONNECTED".equals(state) ? "OK" : "DEGRADED");
                        now.live().put(key, changed);
                        publish(key, "STATE", changed, List.of());
                    }
                    case 3 -> {
                        List<String> connected = held.stream().filter(k -> "CONNECTED".equals(now.live().get(k).state())).toList();
                        if (connected.isEmpty()) {
                            continue;
                        }
                        String key = pick(connected);
                        Conn c = now.live().get(key);
                        Conn changed = c.with(c.state(), c.error(), "OK".equals(c.health()) ? "DEGRADED" : "OK");
                        now.live().put(key, changed);
                        publish(key, "HEALTH", changed, List.of());
                    }
                    case 4 -> {
                        if (orphans.isEmpty()) {
                            continue;
                        }
                        String key = pick(orphans);
                        Conn gone = now.live().remove(key).with("DISCONNECTED", null, "DEGRADED");
                        publish(key, "STATE", gone, List.of());
                    }
                    default -> {
                        if (now.stranded().isEmpty()) {
                            continue;
                        }
                        String cid = pick(List.copyOf(now.stranded().keySet()));
                        String key = now.stranded().remove(cid);
                        Conn live = now.live().get(key);
                        // Beside a live connection of its key, the event is that connection's.
                        publish(key, "UNMANAGED", live != null ? live : new Conn("DISCONNECTED", "stranded", "DEGRADED",
                                new TreeSet<>()), List.of(cid));
                    }
                }
                return;
            }
        }

        private void publish(String key, String change, Conn c, List<String> changed) {
            ObjectNode e = JsonRpc.MAPPER.createObjectNode().put("hostId", HOST).put("seq", seq() + 1)
                    .put("at", Instant.ofEpochSecond(seq() + 1).toString()).put("connectionKey", key);
            e.put("connectionIdCount", c.cids().size());
            ArrayNode ids = e.putArray("changedIds");
            changed.forEach(ids::add);
            e.put("state", c.state()).put("connected", "CONNECTED".equals(c.state()));
            error(e, c.error());
            // As the schema has it: a status and its reasons.
            ObjectNode health = e.putObject("health").put("status", c.health());
            ArrayNode reasons = health.putArray("reasons");
            if ("DEGRADED".equals(c.health())) {
                reasons.add("NOT_CONNECTED");
            }
            e.putObject("connectionInfo").put("type", "file");
            e.put("change", change);
            events.add(e);
            states.add(now.copy());
        }

        /** A page of the list taken at {@code seq}: the CIDs after {@code after} up to {@code next} (null: all). */
        FleetState.Page page(long seq, String after, String next) {
            State at = states.get((int) seq);
            ObjectNode result = JsonRpc.MAPPER.createObjectNode().put("seq", seq);
            ObjectNode connections = result.putObject("connections");
            TreeMap<String, ObjectNode> entries = new TreeMap<>();
            at.live().forEach((key, c) -> c.cids().forEach(cid -> entries.put(cid, entry(key, c, true))));
            at.stranded().forEach((cid, key) -> entries.put(cid, (ObjectNode) entry(key,
                    new Conn("DISCONNECTED", "stranded", "DEGRADED", new TreeSet<>()), true).put("stranded", true)));
            entries.forEach((cid, entry) -> {
                if ((after == null || cid.compareTo(after) > 0) && (next == null || cid.compareTo(next) <= 0)) {
                    connections.set(cid, entry);
                }
            });
            if (next == null) {
                int n = 0;
                for (Map.Entry<String, Conn> orphan : at.live().entrySet()) {
                    if (orphan.getValue().cids().isEmpty()) {
                        connections.set("unmanaged-" + ++n, entry(orphan.getKey(), orphan.getValue(), false));
                    }
                }
            }
            result.put("next", next);
            return new FleetState.Page(after, result);
        }

        private static ObjectNode entry(String key, Conn c, boolean managed) {
            ObjectNode entry = JsonRpc.MAPPER.createObjectNode().put("managed", managed).put("connected", "CONNECTED".equals(c.state()))
                    .put("state", c.state()).put("connectionKey", key).put("since", "2026-01-01T00:00:00Z");
            error(entry, c.error());
            entry.putObject("health").put("status", c.health());
            entry.putObject("connectionInfo").put("type", "file");
            return entry;
        }

        private static void error(ObjectNode node, String error) {
            if (error == null) {
                node.putNull("lastError");
            } else {
                node.putObject("lastError").put("code", 451).put("name", "StorageServerConnectionError").put("message", error);
            }
        }
    }

    /** What the console shows of the host, in {@link State#view}'s terms. */
    private static TreeMap<String, String> shown(FleetState console) {
        TreeMap<String, String> view = new TreeMap<>();
        console.snapshot().at("/hosts/" + HOST + "/connections").properties().forEach(e -> {
            JsonNode c = e.getValue();
            List<String> cids = new ArrayList<>();
            c.path("cids").forEach(id -> cids.add(id.asText()));
            view.put(e.getKey(), e.getKey().startsWith(FleetState.STRANDED) ? cids.toString()
                    : c.path("state").asText() + " " + cids + " " + c.at("/lastError/message").asText(null) + " "
                    + c.at("/health/status").asText());
        });
        return view;
    }

    /** A list of {@code pages} pages (1 to 5) at seqs from {@code from} to {@code to}, cut anywhere. */
    private static List<FleetState.Page> list(Worker worker, long from, long to) {
        Random random = worker.random;
        int n = 1 + random.nextInt(5);
        List<Long> seqs = new ArrayList<>();
        List<String> cuts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seqs.add(from + (long) random.nextInt((int) (to - from + 1)));
            if (i > 0) {
                cuts.add(worker.pick(POOL));
            }
        }
        seqs.sort(null);
        cuts.sort(null);
        List<FleetState.Page> pages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pages.add(worker.page(seqs.get(i), i == 0 ? null : cuts.get(i - 1), i == n - 1 ? null : cuts.get(i)));
        }
        return pages;
    }

    private static long top(List<FleetState.Page> pages) {
        return pages.stream().mapToLong(p -> p.result().path("seq").asLong()).max().orElseThrow();
    }

    @Property(tries = 400)
    void pagedListsAndEventsShowTheWorkersState(@ForAll long seed) {
        Random random = new Random(seed);
        Worker worker = new Worker(random);
        for (int i = random.nextInt(12); i > 0; i--) {
            worker.step();
        }
        long subscribed = worker.seq();
        for (int i = 5 + random.nextInt(30); i > 0; i--) {
            worker.step();
        }
        long end = worker.seq();
        FleetState console = new FleetState(u -> { }, Clock.systemUTC());
        console.learn(HOST);

        long delivered = subscribed + random.nextInt((int) (end - subscribed + 1));
        for (long s = subscribed + 1; s <= delivered; s++) {
            console.onEvent(HOST, worker.events.get((int) s));
        }
        List<FleetState.Page> pages = list(worker, subscribed, end);
        assertFalse(console.onList(HOST, pages), "seed " + seed);
        check(console, worker, pages, seed);
        // Perhaps a list again, while it follows: taken after what it applied.
        long again = delivered + random.nextInt((int) (end - delivered + 1));
        boolean listedAgain = false;
        for (long s = delivered + 1; s <= end; s++) {
            if (!listedAgain && s > again && random.nextBoolean()) {
                listedAgain = true;
                pages = list(worker, console.snapshot().at("/hosts/" + HOST + "/seq").asLong(), end);
                assertFalse(console.onList(HOST, pages), "seed " + seed);
                check(console, worker, pages, seed);
            }
            assertFalse(console.onEvent(HOST, worker.events.get((int) s)), "seed " + seed + ", event " + s);
            check(console, worker, pages, seed);
        }
        assertEquals(end, console.snapshot().at("/hosts/" + HOST + "/seq").asLong(), "seed " + seed);
        assertEquals(worker.states.get((int) end).view(), shown(console), "seed " + seed);
        assertFalse(console.needsSnapshot(HOST), "seed " + seed);
    }

    /**
     * Once at or above the highest seq of the list it was built from, the console shows the worker's
     * state at its seq; below, each CID is where the worker had it at the console's seq or at the seq
     * of the page that holds it, whichever is later.
     */
    private static void check(FleetState console, Worker worker, List<FleetState.Page> pages, long seed) {
        long at = console.snapshot().at("/hosts/" + HOST + "/seq").asLong();
        if (at >= top(pages)) {
            assertEquals(worker.states.get((int) at).view(), shown(console), "seed " + seed + " at seq " + at);
            return;
        }
        Map<String, String> holders = new TreeMap<>();
        console.snapshot().at("/hosts/" + HOST + "/connections").properties()
                .forEach(e -> e.getValue().path("cids").forEach(id -> holders.put(id.asText(), e.getKey())));
        for (String cid : POOL) {
            State then = worker.states.get((int) Math.max(at, pageSeq(pages, cid)));
            String holder = then.stranded().containsKey(cid) ? FleetState.STRANDED + then.stranded().get(cid)
                    : then.live().entrySet().stream().filter(e -> e.getValue().cids().contains(cid)).map(Map.Entry::getKey)
                            .findFirst().orElse(null);
            assertEquals(holder, holders.get(cid), "seed " + seed + " at seq " + at + ": " + cid);
        }
    }

    /** The seq of the page whose range holds {@code cid}. */
    private static long pageSeq(List<FleetState.Page> pages, String cid) {
        for (FleetState.Page page : pages) {
            String after = page.after();
            JsonNode next = page.result().path("next");
            if ((after == null || cid.compareTo(after) > 0) && (next.isNull() || cid.compareTo(next.asText()) <= 0)) {
                return page.result().path("seq").asLong();
            }
        }
        throw new AssertionError("no page holds " + cid);
    }
}
