package io.tether.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.api.StatusEvent;
import io.tether.client.StatusView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One host's connections as the console shows them, by connection key (or stranded pseudo key),
 * each with its {@code cids}: what a list's pages and the events after them make of it, by the
 * rules of {@link FleetState}'s class doc. Which events reach it, and in what order, is its
 * {@link StatusView}'s business; it is that view's {@link StatusView.Follower}, and keeps what each
 * event did ({@link #drain()}) for {@link FleetState} to tell the page.
 */
final class HostModel implements StatusView.Follower {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

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

    /** What applying an event did: the event, the other entries whose CIDs changed, whether the count check failed. */
    record Applied(StatusEvent event, Set<String> others, boolean wrongCount) {
    }

    final String id;
    /** The seq the connections are consistent with (up to the {@link #listing}'s rule); -1 before the first list. */
    long seq = -1;
    /**
     * The highest seq whose event is in the log. Behind {@link #seq} when a list overtook an event
     * on its way: the event changes no state then, but still belongs in the log.
     */
    long logged = -1;
    /** Null while the host answers (or was not asked yet); else why it does not. */
    String problem;
    String problemSince;
    final TreeMap<String, ObjectNode> connections = new TreeMap<>();
    /** The CIDs of each entry of {@link #connections}, in CID order. */
    private final Map<String, SortedSet<String>> cids = new HashMap<>();
    /** Each CID's entry of {@link #connections}. */
    private final Map<String, String> keyOf = new HashMap<>();
    /** Each connection's connectionInfo: for the API and the detail, not for the page's every update. */
    final Map<String, JsonNode> info = new HashMap<>();
    final Map<String, Deque<ObjectNode>> recent = new HashMap<>();
    /** The last list's pages while events at or below its highest page seq may still come; else null. */
    private Listing listing;
    /** Events applied, and late events to log, since the last {@link #drain()}. */
    private final List<Applied> applied = new ArrayList<>();
    private final List<StatusEvent> late = new ArrayList<>();

    HostModel(String id) {
        this.id = id;
    }

    /** The events applied since the last call, in order. */
    List<Applied> drain() {
        List<Applied> done = new ArrayList<>(applied);
        applied.clear();
        return done;
    }

    /** The late events to log since the last call. */
    List<StatusEvent> drainLate() {
        List<StatusEvent> done = new ArrayList<>(late);
        late.clear();
        return done;
    }

    /** Replaces the state with {@code pages}' ({@code lowest}: their lowest seq). Returns true if the model changed. */
    boolean adopt(List<FleetState.Page> pages, long lowest) {
        TreeMap<String, ObjectNode> listed = new TreeMap<>();
        Map<String, SortedSet<String>> listedCids = new HashMap<>();
        Map<String, String> listedKeyOf = new HashMap<>();
        Map<String, JsonNode> listedInfo = new HashMap<>();
        Map<String, Long> keySeq = new HashMap<>();
        TreeMap<String, Range> byAfter = new TreeMap<>();
        long top = lowest;
        for (FleetState.Page page : pages) {
            long pageSeq = page.seq();
            top = Math.max(top, pageSeq);
            // An empty page's range is empty (its next is its after): the page after it, asked
            // with the same after, holds the CIDs that follow.
            byAfter.put(page.after() == null ? "" : page.after(), new Range(page.next(), pageSeq));
            page.result().path("connections").properties().forEach(e -> {
                JsonNode entry = e.getValue();
                String key = entry.path("connectionKey").asText(null);
                if (key == null) {
                    return;
                }
                boolean stranded = entry.path("stranded").asBoolean();
                String shown = stranded ? FleetState.STRANDED + key : key;
                boolean fresher = !stranded && pageSeq > keySeq.getOrDefault(key, -1L);
                if (!listed.containsKey(shown) || fresher) {
                    listed.put(shown, connection(key, entry));
                    listedInfo.put(shown, entry.path("connectionInfo").isObject() ? entry.get("connectionInfo") : JSON.objectNode());
                }
                if (!stranded) {
                    keySeq.merge(key, pageSeq, Math::max);
                }
                if (entry.path("managed").asBoolean()) {
                    listedCids.computeIfAbsent(shown, k -> new TreeSet<>()).add(e.getKey());
                    listedKeyOf.put(e.getKey(), shown);
                }
            });
        }
        listedCids.forEach((shown, ids) -> withCids(listed.get(shown), ids));
        boolean changed = !listed.equals(connections);
        connections.clear();
        connections.putAll(listed);
        cids.clear();
        cids.putAll(listedCids);
        keyOf.clear();
        keyOf.putAll(listedKeyOf);
        info.clear();
        info.putAll(listedInfo);
        recent.keySet().retainAll(listed.keySet());
        seq = lowest;
        listing = top > lowest ? new Listing(byAfter, keySeq, top) : null;
        if (logged < 0) {
            // What happened before the first list is not this console's to show.
            logged = lowest;
        }
        return changed;
    }

    @Override
    public boolean apply(StatusEvent event) {
        Applied done = applyQuietly(event);
        applied.add(done);
        return !done.wrongCount();
    }

    /** An event whose change a list already brought: into the log and the connection's last events only. */
    @Override
    public void late(StatusEvent event) {
        if (event.seq() <= logged) {
            return;
        }
        logged = event.seq();
        if (connections.containsKey(event.connectionKey())) {
            remember(event);
        }
        late.add(event);
    }

    /** Applies an event to the state (by the rule of {@link FleetState}'s class doc). */
    private Applied applyQuietly(StatusEvent event) {
        Listing pages = listing;
        seq = event.seq();
        logged = Math.max(logged, seq);
        if (pages != null && seq >= pages.top()) {
            listing = null;
        }
        String key = event.connectionKey();
        String change = event.change();
        remember(event);
        boolean managed = StatusEvent.Change.MANAGED.name().equals(change);
        Set<String> touched = new TreeSet<>();
        if (managed || StatusEvent.Change.UNMANAGED.name().equals(change)) {
            for (String cid : event.changedIds() == null ? List.<String>of() : event.changedIds()) {
                if (pages != null && seq <= pages.seqOf(cid)) {
                    continue; // its page has this change already, and maybe a later one of the same CID
                }
                String was = keyOf.remove(cid);
                if (was != null) {
                    cids.get(was).remove(cid);
                    touched.add(was);
                }
                if (managed) {
                    keyOf.put(cid, key);
                    cids.computeIfAbsent(key, k -> new TreeSet<>()).add(cid);
                    touched.add(key);
                }
            }
        }
        boolean keyTouched = touched.remove(key);
        for (String other : touched) {
            recount(other);
        }
        SortedSet<String> keyCids = cids.getOrDefault(key, Collections.emptySortedSet());
        JsonNode status = json(event);
        if (pages == null || seq > pages.seqOfKey(key)) {
            setState(key, keyCids, status);
        } else if (keyTouched) {
            if (!connections.containsKey(key)) {
                connections.put(key, connection(key, status));
            }
            recount(key);
        }
        boolean wrongCount = pages == null && event.connectionIdCount() != keyCids.size();
        return new Applied(event, touched, wrongCount);
    }

    /** Sets the state of the live connection {@code key} from {@code event}; without CIDs and DISCONNECTED, it is gone. */
    private void setState(String key, SortedSet<String> keyCids, JsonNode event) {
        String state = event.path("state").asText();
        if (keyCids.isEmpty() && "DISCONNECTED".equals(state)) {
            // No CID holds it and it is down: gone from the host, as from its list.
            forget(key);
            return;
        }
        ObjectNode old = connections.get(key);
        ObjectNode connection = old == null ? connection(key, event) : old.deepCopy();
        boolean stateChanged = old == null || !state.equals(old.path("state").asText());
        connection.put("state", state);
        connection.set("lastError", event.path("lastError").isObject() ? event.get("lastError") : JSON.nullNode());
        if (stateChanged) {
            connection.set("since", event.path("at").isTextual() ? event.get("at") : JSON.nullNode());
        }
        if (event.path("connectionInfo").isObject()) {
            info.put(key, event.get("connectionInfo"));
        }
        if (event.path("health").isObject()) {
            connection.set("health", event.get("health"));
        }
        // Events carry no retry: what an earlier list said of the attempts is out of date after
        // any change, and the next list tells whether the monitor still retries.
        connection.remove("retry");
        // A new object each time: what was handed to the sink is never changed afterwards.
        connections.put(key, withCids(connection, keyCids));
    }

    /**
     * Shows the CIDs {@code shown} holds now, its state as it was. A stranded group, or a
     * disconnected connection, left without CIDs is gone.
     */
    private void recount(String shown) {
        ObjectNode old = connections.get(shown);
        if (old == null) {
            return;
        }
        SortedSet<String> shownCids = cids.getOrDefault(shown, Collections.emptySortedSet());
        if (shownCids.isEmpty() && (shown.startsWith(FleetState.STRANDED) || "DISCONNECTED".equals(old.path("state").asText()))) {
            forget(shown);
        } else {
            connections.put(shown, withCids(old.deepCopy(), shownCids));
        }
    }

    private void forget(String shown) {
        connections.remove(shown);
        cids.remove(shown);
        info.remove(shown);
        recent.remove(shown);
    }

    /** Keeps {@code event} among the last events of its connection. */
    private void remember(StatusEvent event) {
        Deque<ObjectNode> last = recent.computeIfAbsent(event.connectionKey(), k -> new ArrayDeque<>());
        last.addFirst(summary(event));
        while (last.size() > FleetState.RECENT_EVENTS) {
            last.removeLast();
        }
    }

    /** A connection as a list entry (or an event) shows it, before its CIDs are added. */
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
        if (entry.path("retry").isObject()) {
            connection.set("retry", entry.get("retry"));
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

    /** {@code connection} with {@code ids} as its CIDs. */
    private static ObjectNode withCids(ObjectNode connection, SortedSet<String> ids) {
        ArrayNode array = connection.putArray("cids");
        ids.forEach(array::add);
        connection.put("managed", !ids.isEmpty());
        return connection;
    }

    /** The event as JSON, as the worker wrote it: what the page shows of it. */
    private static JsonNode json(StatusEvent event) {
        return JsonRpc.MAPPER.valueToTree(event);
    }

    /** An event as the page's log shows it. */
    static ObjectNode summary(StatusEvent event) {
        JsonNode json = json(event);
        ObjectNode line = JSON.objectNode();
        for (String field : new String[] {"hostId", "seq", "at", "connectionKey", "change", "state", "changedIds", "lastError",
                "health"}) {
            if (json.has(field)) {
                line.set(field, json.get(field));
            }
        }
        return line;
    }

    /** The host as the page shows it. */
    ObjectNode node() {
        ObjectNode node = JSON.objectNode().put("seq", seq);
        node.put("loaded", seq >= 0);
        node.put("answering", problem == null);
        node.put("problem", problem);
        node.put("problemSince", problemSince);
        ObjectNode all = node.putObject("connections");
        connections.forEach(all::set);
        return node;
    }

    /** The connection {@code key}'s update for the page: its row whole, or null when it is gone. */
    ObjectNode connectionUpdate(String key) {
        ObjectNode update = JSON.objectNode().put("type", "connection").put("host", id).put("seq", seq);
        update.put("key", key);
        update.set("value", connections.containsKey(key) ? connections.get(key) : JSON.nullNode());
        return update;
    }
}
