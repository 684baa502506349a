package io.tether.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.messaging.Addresses;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * What the console knows of the fleet: per host, its connections by connection key, built from
 * {@code getStorageServerList} lists and status events merged by {@code seq} as docs/protocol.md
 * section 5 tells a client to (subscribe, list, apply the later events in order, and list again on
 * a gap).
 *
 * <p><b>Lists.</b> A list comes in pages, each consistent with its own {@code seq}; a page holds
 * the CIDs after its {@code after} up to and including its {@code next} (the last page: every CID
 * after its {@code after}). The host's state is built from all pages, and counts as known at the
 * lowest page seq: held and later events apply in order from there, but an event changes a CID
 * only if its seq is above the seq of the page whose range holds that CID (also for a CID a
 * {@code MANAGED} event adds), since that page already has every earlier change of it. A
 * connection's state, lastError, health and info come from the list entry of its key in the page
 * with the highest seq, and an event's state applies to the key only above that seq: every event
 * carries its connection's whole state, so the freshest of those two is the connection's state.
 * Once the host's seq reaches the highest page seq, every event applies whole. With one page this
 * is the plain rule: drop events at or below the list's seq.
 *
 * <p><b>Events</b> are deltas: {@code MANAGED} adds its {@code changedIds} to its key,
 * {@code UNMANAGED} removes them from whatever key holds them, and every event sets its key's
 * state. A connection without CIDs that is {@code DISCONNECTED} is gone. After an event above
 * every page seq, the key must hold {@code connectionIdCount} CIDs; if not, something was missed:
 * the host's events are held, as on a gap, until a list whose every page has that event.
 *
 * <p><b>Stranded CIDs</b> (list entries with {@code "stranded": true}) never follow the events of
 * a live connection with their key, so they are kept apart: under the pseudo key
 * {@code "stranded:" + KEY}, one connection of the page per key, {@code DISCONNECTED} with the
 * lastError and info of its first entry, shown as any other connection. Only an
 * {@code UNMANAGED} event naming a stranded CID removes it; the pseudo connection goes with its
 * last CID.
 *
 * <p>Events of a host that has no list yet, or whose events have a gap, are buffered until the
 * list arrives. A list whose lowest page seq is below what the console already applied is older
 * than its state and only tells that the host answers. Every change is handed to the update sink as
 * one JSON object, under this object's lock, so a page that joins ({@link #join}) gets a snapshot
 * and then exactly the updates after it.
 *
 * <p>Thread-safe: the broker's listener, the list calls and the HTTP server all call in.
 */
public final class FleetState {
    /** Buffered events per host; past this the oldest go, and the next list covers them. */
    static final int MAX_BUFFERED = 10_000;
    /** Events kept per connection for the page's detail view. */
    static final int RECENT_EVENTS = 10;
    /** Where a host's stranded CIDs of connection key K are shown: {@code STRANDED + K}. */
    static final String STRANDED = "stranded:";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Consumer<ObjectNode> updates;
    private final Clock clock;
    private final TreeMap<String, Host> hosts = new TreeMap<>();
    private boolean brokerUp;
    private String brokerProblem = "connecting to the broker";
    private String brokerSince;

    /**
     * One page of a {@code getStorageServerList} answer: the {@code after} it was asked with (null
     * for the first page) and its result ({@code seq}, {@code connections}, {@code next}).
     */
    public record Page(String after, JsonNode result) {
        long seq() {
            return result.path("seq").asLong(-1);
        }

        /** The last CID of its range; null on the last page (and from a worker that does not page). */
        String next() {
            return result.path("next").isTextual() ? result.get("next").asText() : null;
        }
    }

    /** A page's CIDs: those after the page's {@code after} up to {@code next} (null: every one after). */
    private record Range(String next, long seq) {
    }

    /**
     * The pages the host's state was built from, while its seq is below the highest of them: which
     * changes each CID and key already has.
     */
    private record Listing(TreeMap<String, Range> byAfter, Map<String, Long> keySeq, long top) {
        /** The seq of the page whose range holds {@code cid}; -1 if none does. */
        long seqOf(String cid) {
            Map.Entry<String, Range> page = byAfter.lowerEntry(cid);
            if (page == null || page.getValue().next() != null && cid.compareTo(page.getValue().next()) > 0) {
                return -1;
            }
            return page.getValue().seq();
        }

        /** The seq {@code key}'s state is known at: the highest page seq among the pages listing it; -1 if none does. */
        long seqOfKey(String key) {
            return keySeq.getOrDefault(key, -1L);
        }
    }

    /** One host as far as the console knows it. */
    private static final class Host {
        final String id;
        /** The seq the connections are consistent with (up to the {@link #listing}'s rule); -1 before the first list. */
        long seq = -1;
        /**
         * The highest seq whose event is in the log. Behind {@link #seq} when a list overtook an
         * event on its way: the event changes no state then, but still belongs in the log.
         */
        long logged = -1;
        /** Events are held back until a list: none yet, a gap, a wrong CID count, or a broker reconnect. */
        boolean buffering = true;
        /** A wrong CID count: the state is wrong, and only a list at or after {@link #seq} can mend it. */
        boolean suspect;
        final List<JsonNode> buffer = new ArrayList<>();
        /** Null while the host answers (or was not asked yet); else why it does not. */
        String problem;
        String problemSince;
        /** The page's model: by connection key (or stranded pseudo key), each with its {@code cids} array. */
        final TreeMap<String, ObjectNode> connections = new TreeMap<>();
        /** The CIDs of each entry of {@link #connections}, in CID order. */
        final Map<String, SortedSet<String>> cids = new HashMap<>();
        /** Each CID's entry of {@link #connections}. */
        final Map<String, String> keyOf = new HashMap<>();
        /** Each connection's connectionInfo: for the API and the detail, not for the page's every update. */
        final Map<String, JsonNode> info = new HashMap<>();
        final Map<String, Deque<ObjectNode>> recent = new HashMap<>();
        /** The last list's pages while events at or below its highest page seq may still come; else null. */
        Listing listing;

        Host(String id) {
            this.id = id;
        }
    }

    /** A state that hands every change to {@code updates} (called under this object's lock: it must not block). */
    public FleetState(Consumer<ObjectNode> updates, Clock clock) {
        this.updates = updates;
        this.clock = clock;
        this.brokerSince = clock.instant().toString();
    }

    /**
     * Adds {@code hostId} if it is new (a {@code --host}). Returns true if it needs a snapshot.
     *
     * @throws IllegalArgumentException if it is not a host id
     */
    public synchronized boolean learn(String hostId) {
        Addresses.checkHostId(hostId);
        if (hosts.containsKey(hostId)) {
            return false;
        }
        Host host = new Host(hostId);
        hosts.put(hostId, host);
        emitHost(host);
        return true;
    }

    /** Every host known so far, in id order. */
    public synchronized List<String> hosts() {
        return new ArrayList<>(hosts.keySet());
    }

    /** Hosts to list again soon: those whose events wait for a snapshot, and those that did not answer. */
    public synchronized List<String> hostsToRetry() {
        return hosts.values().stream().filter(h -> h.buffering || h.problem != null).map(h -> h.id).toList();
    }

    /** True while the host's events wait for a snapshot: the caller should list it. */
    public synchronized boolean needsSnapshot(String hostId) {
        Host host = hosts.get(hostId);
        return host != null && host.buffering;
    }

    /**
     * A status event's params, published on {@code hostId}'s status address. Returns true if the host
     * needs a (new) list: a host seen for the first time, a gap in its seq, or a connection whose
     * CID count is not the event's {@code connectionIdCount}. An event whose body names another host
     * is dropped: a host speaks only for itself.
     */
    public synchronized boolean onEvent(String hostId, JsonNode event) {
        long seq = event.path("seq").asLong(-1);
        if (seq < 0 || !event.path("connectionKey").isTextual() || !hostId.equals(event.path("hostId").asText(null))) {
            return false;
        }
        Host host = hosts.get(hostId);
        boolean fresh = false;
        if (host == null) {
            try {
                Addresses.checkHostId(hostId);
            } catch (IllegalArgumentException e) {
                return false;
            }
            host = new Host(hostId);
            hosts.put(hostId, host);
            emitHost(host);
            fresh = true;
        }
        if (host.buffering) {
            hold(host, event);
            return fresh;
        }
        if (seq <= host.seq) {
            // Already in the state: a list that overtook it, or delivered again after a worker crash.
            if (seq > host.logged) {
                logLate(host, event);
            }
            return false;
        }
        if (seq > host.seq + 1) {
            // An event was missed (e.g. while the broker was away): only a list can fill it.
            host.buffering = true;
            hold(host, event);
            return true;
        }
        if (apply(host, event)) {
            host.buffering = true;
            host.suspect = true;
            return true;
        }
        return false;
    }

    private static void hold(Host host, JsonNode event) {
        if (host.buffer.size() >= MAX_BUFFERED) {
            host.buffer.remove(0);
        }
        host.buffer.add(event);
    }

    /** A {@code getStorageServerList} result of {@code hostId} in one page: {@link #onList(String, List)}. */
    public boolean onList(String hostId, JsonNode list) {
        return onList(hostId, List.of(new Page(null, list)));
    }

    /**
     * Every page of a {@code getStorageServerList} answer of {@code hostId}, in the order they were
     * asked for. Returns true if the host still needs a list (its buffered events have a gap after
     * this one, or its state is known wrong and this list is older).
     */
    public synchronized boolean onList(String hostId, List<Page> pages) {
        Host host = hosts.get(hostId);
        if (host == null) {
            host = new Host(hostId);
            hosts.put(hostId, host);
        }
        long lowest = pages.stream().mapToLong(Page::seq).min().orElse(-1);
        // A refresh that finds what the console already shows is not sent to the pages again.
        boolean changed = host.problem != null || host.seq < 0 || host.buffering;
        host.problem = null;
        host.problemSince = null;
        if (lowest >= host.seq) {
            // Everything applied so far is in every page: the list replaces the state.
            changed |= adopt(host, pages, lowest);
        }
        boolean again = false;
        if (host.buffering) {
            List<JsonNode> applied = new ArrayList<>();
            if (host.suspect) {
                again = true; // older than the event that found the state wrong: nothing to build on
            } else {
                host.buffer.sort(Comparator.comparingLong(e -> e.path("seq").asLong()));
                Iterator<JsonNode> held = host.buffer.iterator();
                while (held.hasNext()) {
                    JsonNode event = held.next();
                    long eventSeq = event.path("seq").asLong();
                    if (eventSeq <= host.seq) {
                        held.remove();
                    } else if (eventSeq == host.seq + 1) {
                        held.remove();
                        applied.add(event);
                        if (applyQuietly(host, event).wrongCount()) {
                            host.suspect = true;
                            again = true;
                            break;
                        }
                    } else {
                        again = true; // a gap after the list: keep the rest for the next one
                        break;
                    }
                }
            }
            host.buffering = again;
            emitHost(host);
            for (JsonNode event : applied) {
                updates.accept(logLine(host, event));
            }
        } else if (changed) {
            emitHost(host);
        }
        return again;
    }

    /** Replaces {@code host}'s state with {@code pages}' ({@code lowest}: their lowest seq). Returns true if the model changed. */
    private static boolean adopt(Host host, List<Page> pages, long lowest) {
        TreeMap<String, ObjectNode> connections = new TreeMap<>();
        Map<String, SortedSet<String>> cids = new HashMap<>();
        Map<String, String> keyOf = new HashMap<>();
        Map<String, JsonNode> info = new HashMap<>();
        Map<String, Long> keySeq = new HashMap<>();
        TreeMap<String, Range> byAfter = new TreeMap<>();
        long top = lowest;
        for (Page page : pages) {
            long seq = page.seq();
            top = Math.max(top, seq);
            // An empty page's range is empty (its next is its after): the page after it, asked
            // with the same after, holds the CIDs that follow.
            byAfter.put(page.after() == null ? "" : page.after(), new Range(page.next(), seq));
            page.result().path("connections").properties().forEach(e -> {
                JsonNode entry = e.getValue();
                String key = entry.path("connectionKey").asText(null);
                if (key == null) {
                    return;
                }
                boolean stranded = entry.path("stranded").asBoolean();
                String shown = stranded ? STRANDED + key : key;
                boolean fresher = !stranded && seq > keySeq.getOrDefault(key, -1L);
                if (!connections.containsKey(shown) || fresher) {
                    connections.put(shown, connection(key, entry));
                    info.put(shown, entry.path("connectionInfo").isObject() ? entry.get("connectionInfo") : JSON.objectNode());
                }
                if (!stranded) {
                    keySeq.merge(key, seq, Math::max);
                }
                if (entry.path("managed").asBoolean()) {
                    cids.computeIfAbsent(shown, k -> new TreeSet<>()).add(e.getKey());
                    keyOf.put(e.getKey(), shown);
                }
            });
        }
        cids.forEach((shown, ids) -> withCids(connections.get(shown), ids));
        boolean changed = !connections.equals(host.connections);
        host.connections.clear();
        host.connections.putAll(connections);
        host.cids.clear();
        host.cids.putAll(cids);
        host.keyOf.clear();
        host.keyOf.putAll(keyOf);
        host.info.clear();
        host.info.putAll(info);
        host.recent.keySet().retainAll(connections.keySet());
        host.seq = lowest;
        host.suspect = false;
        host.listing = top > lowest ? new Listing(byAfter, keySeq, top) : null;
        if (host.logged < 0) {
            // What happened before the first list is not this console's to show.
            host.logged = lowest;
        }
        return changed;
    }

    /** {@code hostId}'s worker did not answer a list ({@code why}); its last known state stays, marked. */
    public synchronized void onNoAnswer(String hostId, String why) {
        Host host = hosts.get(hostId);
        if (host == null || why.equals(host.problem)) {
            return;
        }
        if (host.problem == null) {
            host.problemSince = clock.instant().toString();
        }
        host.problem = why;
        emitHost(host);
    }

    /**
     * The broker connection is up again (or for the first time): every host's events are held until
     * its next snapshot, as events published while the console was away are lost. Returns the hosts
     * to list.
     */
    public synchronized List<String> onBrokerUp() {
        brokerUp = true;
        brokerProblem = null;
        brokerSince = clock.instant().toString();
        for (Host host : hosts.values()) {
            host.buffering = true;
            host.buffer.clear();
        }
        updates.accept(broker());
        return new ArrayList<>(hosts.keySet());
    }

    /** The broker cannot be reached or was lost; what is shown stays, under a banner. */
    public synchronized void onBrokerDown(String why) {
        if (!brokerUp && why.equals(brokerProblem)) {
            return;
        }
        if (brokerUp || brokerProblem == null) {
            brokerSince = clock.instant().toString();
        }
        brokerUp = false;
        brokerProblem = why;
        updates.accept(broker());
    }

    /**
     * Hands {@code join} the whole fleet now, under the same lock as every update: what it is given
     * next through the update sink is exactly what happened after.
     */
    public synchronized void join(Consumer<ObjectNode> join) {
        join.accept(snapshot());
    }

    /** The whole fleet: {@code {"type":"fleet","broker":{...},"hosts":{HOST:{...}}}}. */
    public synchronized ObjectNode snapshot() {
        ObjectNode fleet = JSON.objectNode().put("type", "fleet");
        fleet.set("broker", broker().get("broker"));
        ObjectNode all = fleet.putObject("hosts");
        hosts.values().forEach(h -> all.set(h.id, hostNode(h)));
        return fleet;
    }

    /** The connection {@code key} of {@code hostId} with its last events, or null if there is none. */
    public synchronized ObjectNode connection(String hostId, String key) {
        Host host = hosts.get(hostId);
        ObjectNode connection = host == null ? null : host.connections.get(key);
        if (connection == null) {
            return null;
        }
        ObjectNode detail = connection.deepCopy();
        detail.set("connectionInfo", host.info.getOrDefault(key, JSON.objectNode()));
        ArrayNode events = detail.putArray("events");
        host.recent.getOrDefault(key, new ArrayDeque<>()).forEach(events::add);
        return detail;
    }

    private ObjectNode broker() {
        ObjectNode update = JSON.objectNode().put("type", "broker");
        ObjectNode broker = update.putObject("broker").put("up", brokerUp).put("since", brokerSince);
        broker.put("problem", brokerProblem);
        return update;
    }

    private void emitHost(Host host) {
        ObjectNode update = JSON.objectNode().put("type", "host").put("host", host.id);
        update.set("value", hostNode(host));
        updates.accept(update);
    }

    private static ObjectNode hostNode(Host host) {
        ObjectNode node = JSON.objectNode().put("seq", host.seq);
        node.put("loaded", host.seq >= 0);
        node.put("answering", host.problem == null);
        node.put("problem", host.problem);
        node.put("problemSince", host.problemSince);
        ObjectNode connections = node.putObject("connections");
        host.connections.forEach(connections::set);
        return node;
    }

    /** A connection as a list entry shows it, before its CIDs are added. */
    private static ObjectNode connection(String key, JsonNode entry) {
        ObjectNode connection = JSON.objectNode().put("state", entry.path("state").asText());
        connection.putArray("cids");
        connection.put("managed", false);
        connection.set("lastError", entry.path("lastError").isObject() ? entry.get("lastError") : JSON.nullNode());
        connection.set("since", entry.path("since").isTextual() ? entry.get("since") : JSON.nullNode());
        connection.put("type", type(key, entry.path("connectionInfo")));
        if (entry.path("health").isObject()) {
            connection.set("health", entry.get("health"));
        }
        return connection;
    }

    private static String type(String key, JsonNode info) {
        if (info.path("type").isTextual()) {
            return info.path("type").asText();
        }
        int scheme = key.indexOf("://");
        return scheme > 0 ? key.substring(0, scheme) : "other";
    }

    /** What applying an event did besides its key: the other entries whose CIDs changed, and whether the count check failed. */
    private record Applied(Set<String> others, boolean wrongCount) {
    }

    /** Applies an event and tells the page. Returns true if its key's CID count is not the worker's. */
    private boolean apply(Host host, JsonNode event) {
        Applied applied = applyQuietly(host, event);
        applied.others().forEach(other -> updates.accept(connectionUpdate(host, other)));
        ObjectNode update = connectionUpdate(host, event.get("connectionKey").asText());
        update.set("event", summary(event));
        updates.accept(update);
        return applied.wrongCount();
    }

    private static ObjectNode connectionUpdate(Host host, String key) {
        ObjectNode update = JSON.objectNode().put("type", "connection").put("host", host.id).put("seq", host.seq);
        update.put("key", key);
        update.set("value", host.connections.containsKey(key) ? host.connections.get(key) : JSON.nullNode());
        return update;
    }

    /** An event whose change a list already brought: into the log and the connection's last events only. */
    private void logLate(Host host, JsonNode event) {
        host.logged = event.path("seq").asLong();
        if (host.connections.containsKey(event.get("connectionKey").asText())) {
            remember(host, event);
        }
        updates.accept(logLine(host, event));
    }

    /** Keeps {@code event} among the last events of its connection. */
    private static void remember(Host host, JsonNode event) {
        Deque<ObjectNode> recent = host.recent.computeIfAbsent(event.get("connectionKey").asText(), k -> new ArrayDeque<>());
        recent.addFirst(summary(event));
        while (recent.size() > RECENT_EVENTS) {
            recent.removeLast();
        }
    }

    /** Applies an event to the host's state (by the rule of the class doc); the caller tells the page. */
    private Applied applyQuietly(Host host, JsonNode event) {
        long seq = event.path("seq").asLong();
        Listing listing = host.listing;
        host.seq = seq;
        host.logged = Math.max(host.logged, seq);
        if (listing != null && seq >= listing.top()) {
            host.listing = null;
        }
        String key = event.get("connectionKey").asText();
        String change = event.path("change").asText();
        remember(host, event);
        boolean managed = "MANAGED".equals(change);
        Set<String> touched = new TreeSet<>();
        if (managed || "UNMANAGED".equals(change)) {
            for (JsonNode id : event.path("changedIds")) {
                String cid = id.asText();
                if (listing != null && seq <= listing.seqOf(cid)) {
                    continue; // its page has this change already, and maybe a later one of the same CID
                }
                String was = host.keyOf.remove(cid);
                if (was != null) {
                    host.cids.get(was).remove(cid);
                    touched.add(was);
                }
                if (managed) {
                    host.keyOf.put(cid, key);
                    host.cids.computeIfAbsent(key, k -> new TreeSet<>()).add(cid);
                    touched.add(key);
                }
            }
        }
        boolean keyTouched = touched.remove(key);
        for (String other : touched) {
            recount(host, other);
        }
        SortedSet<String> cids = host.cids.getOrDefault(key, Collections.emptySortedSet());
        if (listing == null || seq > listing.seqOfKey(key)) {
            setState(host, key, cids, event);
        } else if (keyTouched) {
            if (!host.connections.containsKey(key)) {
                host.connections.put(key, connection(key, event));
            }
            recount(host, key);
        }
        // A worker of an earlier version sends every CID of the connection instead of their number.
        int expected = event.path("connectionIdCount").canConvertToInt() ? event.get("connectionIdCount").asInt()
                : event.path("connectionIds").isArray() ? event.get("connectionIds").size() : -1;
        boolean wrongCount = listing == null && expected >= 0 && expected != cids.size();
        return new Applied(touched, wrongCount);
    }

    /** Sets the state of the live connection {@code key} from {@code event}; without CIDs and DISCONNECTED, it is gone. */
    private static void setState(Host host, String key, SortedSet<String> cids, JsonNode event) {
        String state = event.path("state").asText();
        if (cids.isEmpty() && "DISCONNECTED".equals(state)) {
            // No CID holds it and it is down: gone from the host, as from its list.
            forget(host, key);
            return;
        }
        ObjectNode old = host.connections.get(key);
        ObjectNode connection = old == null ? connection(key, event) : old.deepCopy();
        boolean stateChanged = old == null || !state.equals(old.path("state").asText());
        connection.put("state", state);
        connection.set("lastError", event.path("lastError").isObject() ? event.get("lastError") : JSON.nullNode());
        if (stateChanged) {
            connection.set("since", event.path("at").isTextual() ? event.get("at") : JSON.nullNode());
        }
        if (event.path("connectionInfo").isObject()) {
            host.info.put(key, event.get("connectionInfo"));
        }
        if (event.path("health").isObject()) {
            connection.set("health", event.get("health"));
        }
        // A new object each time: what was handed to the sink is never changed afterwards.
        host.connections.put(key, withCids(connection, cids));
    }

    /**
     * Shows the CIDs {@code shown} holds now, its state as it was. A stranded group, or a
     * disconnected connection, left without CIDs is gone.
     */
    private static void recount(Host host, String shown) {
        ObjectNode old = host.connections.get(shown);
        if (old == null) {
            return;
        }
        SortedSet<String> cids = host.cids.getOrDefault(shown, Collections.emptySortedSet());
        if (cids.isEmpty() && (shown.startsWith(STRANDED) || "DISCONNECTED".equals(old.path("state").asText()))) {
            forget(host, shown);
        } else {
            host.connections.put(shown, withCids(old.deepCopy(), cids));
        }
    }

    private static void forget(Host host, String shown) {
        host.connections.remove(shown);
        host.cids.remove(shown);
        host.info.remove(shown);
        host.recent.remove(shown);
    }

    /** {@code connection} with {@code cids} as its CIDs. */
    private static ObjectNode withCids(ObjectNode connection, SortedSet<String> cids) {
        ArrayNode ids = connection.putArray("cids");
        cids.forEach(ids::add);
        connection.put("managed", !cids.isEmpty());
        return connection;
    }

    /** An event as the page's log shows it. */
    private static ObjectNode summary(JsonNode event) {
        ObjectNode line = JSON.objectNode();
        for (String field : new String[] {"hostId", "seq", "at", "connectionKey", "change", "state", "changedIds", "lastError",
                "health"}) {
            if (event.has(field)) {
                line.set(field, event.get(field));
            }
        }
        return line;
    }

    /** An event for the page's log (and the detail of its connection): its row was sent whole, or did not change. */
    private static ObjectNode logLine(Host host, JsonNode event) {
        ObjectNode update = JSON.objectNode().put("type", "log").put("host", host.id);
        update.set("event", summary(event));
        return update;
    }

    /** The fleet as {@code GET /api/fleet} gives it: the page's state, with each connection's connectionInfo. */
    public synchronized String fleetJson() {
        ObjectNode fleet = JSON.objectNode();
        fleet.set("broker", broker().get("broker"));
        ObjectNode all = fleet.putObject("hosts");
        for (Host h : hosts.values()) {
            ObjectNode node = hostNode(h);
            ObjectNode connections = node.putObject("connections");
            h.connections.forEach((key, c) -> connections.set(key, c.deepCopy()
                    .set("connectionInfo", h.info.getOrDefault(key, JSON.objectNode()))));
            all.set(h.id, node);
        }
        return JsonRpc.write(fleet);
    }
}
