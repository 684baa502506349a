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
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What the console knows of the fleet: per host, its connections by connection key, built from
 * {@code getStorageServerList} snapshots and status events merged by {@code seq} as
 * docs/protocol.md section 5 tells a client to (subscribe, list, drop events at or below the
 * list's seq, apply the rest in order, and take a new snapshot on a gap).
 *
 * <p>Events of a host that has no snapshot yet, or whose events have a gap, are buffered until the
 * snapshot arrives. A snapshot whose seq is below what the console already applied is older than
 * its state and only tells that the host answers. Every change is handed to the update sink as one
 * JSON object, under this object's lock, so a page that joins ({@link #join}) gets a snapshot and
 * then exactly the updates after it.
 *
 * <p>Thread-safe: the broker's listener, the list calls and the HTTP server all call in.
 */
public final class FleetState {
    /** Buffered events per host; past this the oldest go, and the next snapshot covers them. */
    static final int MAX_BUFFERED = 10_000;
    /** Events kept per connection for the page's detail view. */
    static final int RECENT_EVENTS = 10;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Consumer<ObjectNode> updates;
    private final Clock clock;
    private final TreeMap<String, Host> hosts = new TreeMap<>();
    private boolean brokerUp;
    private String brokerProblem = "connecting to the broker";
    private String brokerSince;

    /** One host as far as the console knows it. */
    private static final class Host {
        final String id;
        /** The seq the connections are consistent with; -1 before the first snapshot. */
        long seq = -1;
        /**
         * The highest seq whose event is in the log. Behind {@link #seq} when a list overtook an
         * event on its way: the event changes no state then, but still belongs in the log.
         */
        long logged = -1;
        /** Events are held back until a snapshot: none yet, a gap, or a broker reconnect. */
        boolean buffering = true;
        final List<JsonNode> buffer = new ArrayList<>();
        /** Null while the host answers (or was not asked yet); else why it does not. */
        String problem;
        String problemSince;
        final TreeMap<String, ObjectNode> connections = new TreeMap<>();
        /** Each connection's connectionInfo: for the API and the detail, not for the page's every update. */
        final Map<String, JsonNode> info = new HashMap<>();
        final Map<String, Deque<ObjectNode>> recent = new HashMap<>();

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
     * needs a (new) snapshot: a host seen for the first time, or a gap in its seq. An event whose
     * body names another host is dropped: a host speaks only for itself.
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
            // An event was missed (e.g. while the broker was away): only a snapshot can fill it.
            host.buffering = true;
            hold(host, event);
            return true;
        }
        apply(host, event);
        return false;
    }

    private static void hold(Host host, JsonNode event) {
        if (host.buffer.size() >= MAX_BUFFERED) {
            host.buffer.remove(0);
        }
        host.buffer.add(event);
    }

    /**
     * A {@code getStorageServerList} result of {@code hostId}. Returns true if the host still needs
     * a snapshot (its buffered events have a gap after this one).
     */
    public synchronized boolean onList(String hostId, JsonNode list) {
        Host host = hosts.get(hostId);
        if (host == null) {
            host = new Host(hostId);
            hosts.put(hostId, host);
        }
        long seq = list.path("seq").asLong(-1);
        // A refresh that finds what the console already shows is not sent to the pages again.
        boolean changed = host.problem != null || host.seq < 0 || host.buffering;
        host.problem = null;
        host.problemSince = null;
        if (seq >= host.seq) {
            // Everything applied so far is in this snapshot: it replaces the state.
            TreeMap<String, ObjectNode> connections = new TreeMap<>();
            Map<String, JsonNode> info = new HashMap<>();
            list.path("connections").properties().forEach(e -> {
                JsonNode entry = e.getValue();
                String key = entry.path("connectionKey").asText(null);
                if (key == null) {
                    return;
                }
                ObjectNode connection = connections.computeIfAbsent(key, k -> connection(k, entry));
                info.putIfAbsent(key, entry.path("connectionInfo").isObject() ? entry.get("connectionInfo") : JSON.objectNode());
                if (entry.path("managed").asBoolean()) {
                    ((ArrayNode) connection.get("cids")).add(e.getKey());
                    connection.put("managed", true);
                }
            });
            changed |= !connections.equals(host.connections);
            host.connections.clear();
            host.connections.putAll(connections);
            host.info.clear();
            host.info.putAll(info);
            host.recent.keySet().retainAll(connections.keySet());
            host.seq = seq;
            if (host.logged < 0) {
                // What happened before the first snapshot is not this console's to show.
                host.logged = seq;
            }
        }
        boolean again = false;
        if (host.buffering) {
            host.buffer.sort(Comparator.comparingLong(e -> e.path("seq").asLong()));
            Iterator<JsonNode> held = host.buffer.iterator();
            List<JsonNode> applied = new ArrayList<>();
            while (held.hasNext()) {
                JsonNode event = held.next();
                long eventSeq = event.path("seq").asLong();
                if (eventSeq <= host.seq) {
                    held.remove();
                } else if (eventSeq == host.seq + 1) {
                    applyQuietly(host, event);
                    applied.add(event);
                    held.remove();
                } else {
                    again = true; // a gap after the snapshot: keep the rest for the next one
                    break;
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

    private void apply(Host host, JsonNode event) {
        applyQuietly(host, event);
        ObjectNode update = JSON.objectNode().put("type", "connection").put("host", host.id).put("seq", host.seq);
        String key = event.get("connectionKey").asText();
        update.put("key", key);
        update.set("value", host.connections.containsKey(key) ? host.connections.get(key) : JSON.nullNode());
        update.set("event", summary(event));
        updates.accept(update);
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

    /** Applies an event to the host's state; the caller tells the page. */
    private void applyQuietly(Host host, JsonNode event) {
        host.seq = event.path("seq").asLong();
        host.logged = Math.max(host.logged, host.seq);
        String key = event.get("connectionKey").asText();
        ArrayNode cids = JSON.arrayNode();
        event.path("connectionIds").forEach(cids::add);
        String state = event.path("state").asText();
        remember(host, event);
        if (cids.isEmpty() && "DISCONNECTED".equals(state)) {
            // No CID holds it and it is down: gone from the host, as from its list.
            host.connections.remove(key);
            host.info.remove(key);
            host.recent.remove(key);
            return;
        }
        ObjectNode old = host.connections.get(key);
        ObjectNode connection = old == null ? connection(key, event) : old.deepCopy();
        boolean stateChanged = old == null || !state.equals(old.path("state").asText());
        connection.put("state", state);
        connection.set("cids", cids);
        connection.put("managed", !cids.isEmpty());
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
        host.connections.put(key, connection);
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
