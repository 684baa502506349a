package io.tether.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.amqp.Addresses;
import io.tether.api.JsonRpc;
import io.tether.api.StatusEvent;
import io.tether.client.StatusView;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
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
 * <p>The {@code seq} rules (hold events until a list, drop what is applied already, list again on
 * a gap or a wrong CID count) are each host's {@link StatusView}'s, the client library's own; the
 * connections they build are its {@link HostModel}'s. Events of a host that has no list yet, or
 * whose events have a gap, are buffered until the list arrives. A list whose lowest page seq is below what the console already applied is older
 * than its state and only tells that the host answers. Every change is handed to the update sink as
 * one JSON object, under this object's lock, so a page that joins ({@link #join}) gets a snapshot
 * and then exactly the updates after it.
 *
 * <p>Thread-safe: the broker's listener, the list calls and the HTTP server all call in.
 */
public final class FleetState {
    /** Buffered events per host; past this the oldest go, and the next list covers them. */
    static final int MAX_BUFFERED = StatusView.MAX_HELD;
    /** Events kept per connection for the page's detail view. */
    static final int RECENT_EVENTS = 10;
    /** Where a host's stranded CIDs of connection key K are shown: {@code STRANDED + K}. */
    static final String STRANDED = "stranded:";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Consumer<ObjectNode> updates;
    private final Clock clock;
    private final TreeMap<String, Host> hosts = new TreeMap<>();
    private final EventHistory history = new EventHistory();
    private boolean brokerUp;
    /** True until the broker is first reached or first fails: the page says "connecting", not "unreachable". */
    private boolean brokerConnecting = true;
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

    /** One host: its connections, and the view that applies its events to them in seq order. */
    private record Host(HostModel model, StatusView view) {
        Host(String id) {
            this(new HostModel(id));
        }

        private Host(HostModel model) {
            this(model, new StatusView(model.id, model));
        }

        String id() {
            return model.id;
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
        add(hostId);
        return true;
    }

    private Host add(String hostId) {
        Host host = new Host(hostId);
        hosts.put(hostId, host);
        emitHost(host);
        return host;
    }

    /** Every host known so far, in id order. */
    public synchronized List<String> hosts() {
        return new ArrayList<>(hosts.keySet());
    }

    /** Hosts to list again soon: those whose events wait for a snapshot, and those that did not answer. */
    public synchronized List<String> hostsToRetry() {
        return hosts.values().stream().filter(h -> h.view().waitingForList() || h.model().problem != null)
                .map(Host::id).toList();
    }

    /** True while the host's events wait for a snapshot: the caller should list it. */
    public synchronized boolean needsSnapshot(String hostId) {
        Host host = hosts.get(hostId);
        return host != null && host.view().waitingForList();
    }

    /**
     * A status event's params, published on {@code hostId}'s status address. Returns true if the host
     * needs a (new) list: a host seen for the first time, a gap in its seq, or a connection whose
     * CID count is not the event's {@code connectionIdCount}. An event whose body names another host
     * is dropped: a host speaks only for itself.
     */
    public synchronized boolean onEvent(String hostId, JsonNode params) {
        StatusEvent event;
        try {
            event = StatusEvent.fromParams(params);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!params.hasNonNull("seq") || event.seq() < 0 || event.connectionKey() == null || !hostId.equals(event.hostId())) {
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
            host = add(hostId);
            fresh = true;
        }
        StatusView.Taken taken = host.view().onEvent(hostId, event);
        HostModel model = host.model();
        for (HostModel.Applied applied : model.drain()) {
            applied.others().forEach(other -> updates.accept(model.connectionUpdate(other)));
            ObjectNode update = model.connectionUpdate(applied.event().connectionKey());
            update.set("event", logged(applied.event()));
            updates.accept(update);
        }
        model.drainLate().forEach(late -> updates.accept(logLine(model, late)));
        return fresh || taken == StatusView.Taken.LIST;
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
        Host host = hosts.computeIfAbsent(hostId, Host::new);
        HostModel model = host.model();
        long lowest = pages.stream().mapToLong(Page::seq).min().orElse(-1);
        boolean waiting = host.view().waitingForList();
        // A refresh that finds what the console already shows is not sent to the pages again.
        boolean changed = model.problem != null || model.seq < 0 || waiting;
        model.problem = null;
        model.problemSince = null;
        TreeMap<String, ObjectNode> before = new TreeMap<>(model.connections);
        boolean again = host.view().onList(lowest, () -> model.adopt(pages, lowest));
        // Events applied after the list count only when the host was waiting, and then it is sent whole anyway.
        changed |= !before.equals(model.connections);
        List<HostModel.Applied> applied = model.drain();
        model.drainLate();
        if (changed) {
            emitHost(host);
        }
        for (HostModel.Applied done : applied) {
            updates.accept(logLine(model, done.event()));
        }
        return again;
    }

    /** {@code hostId}'s worker did not answer a list ({@code why}); its last known state stays, marked. */
    public synchronized void onNoAnswer(String hostId, String why) {
        Host host = hosts.get(hostId);
        if (host == null || why.equals(host.model().problem)) {
            return;
        }
        if (host.model().problem == null) {
            host.model().problemSince = clock.instant().toString();
        }
        host.model().problem = why;
        emitHost(host);
    }

    /**
     * The broker connection is up again (or for the first time): every host's events are held until
     * its next snapshot, as events published while the console was away are lost. Returns the hosts
     * to list.
     */
    public synchronized List<String> onBrokerUp() {
        brokerUp = true;
        brokerConnecting = false;
        brokerProblem = null;
        brokerSince = clock.instant().toString();
        hosts.values().forEach(host -> host.view().holdUntilList());
        updates.accept(broker());
        return new ArrayList<>(hosts.keySet());
    }

    /** The broker cannot be reached or was lost; what is shown stays, under a banner. */
    public synchronized void onBrokerDown(String why) {
        if (!brokerUp && !brokerConnecting && why.equals(brokerProblem)) {
            return;
        }
        if (brokerUp || brokerProblem == null) {
            brokerSince = clock.instant().toString();
        }
        brokerUp = false;
        brokerConnecting = false;
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

    /**
     * The whole fleet: {@code {"type":"fleet","broker":{...},"hosts":{HOST:{...}},"events":[...]}},
     * with the last {@link EventHistory#SIZE} events newest first.
     */
    public synchronized ObjectNode snapshot() {
        ObjectNode fleet = JSON.objectNode().put("type", "fleet");
        fleet.set("broker", broker().get("broker"));
        ObjectNode all = fleet.putObject("hosts");
        hosts.values().forEach(h -> all.set(h.id(), h.model().node()));
        fleet.set("events", history.json());
        return fleet;
    }

    /** The connection {@code key} of {@code hostId} with its last events, or null if there is none. */
    public synchronized ObjectNode connection(String hostId, String key) {
        Host host = hosts.get(hostId);
        ObjectNode connection = host == null ? null : host.model().connections.get(key);
        if (connection == null) {
            return null;
        }
        ObjectNode detail = connection.deepCopy();
        detail.set("connectionInfo", host.model().info.getOrDefault(key, JSON.objectNode()));
        ArrayNode events = detail.putArray("events");
        host.model().recent.getOrDefault(key, new ArrayDeque<>()).forEach(events::add);
        return detail;
    }

    /** The fleet as {@code GET /api/fleet} gives it: the page's state, with each connection's connectionInfo. */
    public synchronized String fleetJson() {
        ObjectNode fleet = JSON.objectNode();
        fleet.set("broker", broker().get("broker"));
        ObjectNode all = fleet.putObject("hosts");
        for (Host h : hosts.values()) {
            ObjectNode node = h.model().node();
            ObjectNode connections = node.putObject("connections");
            h.model().connections.forEach((key, c) -> connections.set(key, c.deepCopy()
                    .set("connectionInfo", h.model().info.getOrDefault(key, JSON.objectNode()))));
            all.set(h.id(), node);
        }
        return JsonRpc.write(fleet);
    }

    private ObjectNode broker() {
        ObjectNode update = JSON.objectNode().put("type", "broker");
        ObjectNode broker = update.putObject("broker").put("up", brokerUp).put("since", brokerSince);
        broker.put("connecting", brokerConnecting);
        broker.put("problem", brokerProblem);
        return update;
    }

    private void emitHost(Host host) {
        ObjectNode update = JSON.objectNode().put("type", "host").put("host", host.id());
        update.set("value", host.model().node());
        updates.accept(update);
    }

    /** An event for the page's log (and the detail of its connection): its row was sent whole, or did not change. */
    private ObjectNode logLine(HostModel host, StatusEvent event) {
        ObjectNode update = JSON.objectNode().put("type", "log").put("host", host.id);
        update.set("event", logged(event));
        return update;
    }

    /** {@code event} as the page's log shows it, kept for the pages that open later. */
    private ObjectNode logged(StatusEvent event) {
        ObjectNode summary = HostModel.summary(event);
        history.add(summary);
        return summary;
    }
}
