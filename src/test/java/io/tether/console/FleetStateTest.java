package io.tether.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge of lists and events by seq (docs/protocol.md section 5), as the console's page gets it. */
class FleetStateTest {
    private final List<ObjectNode> updates = new ArrayList<>();
    private final FleetState state = new FleetState(updates::add, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static JsonNode json(String text) {
        try {
            return JsonRpc.MAPPER.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A status event: {@code count} CIDs on {@code key} after it, {@code changed} those it added or removed. */
    private static JsonNode event(String host, long seq, String key, String change, String state, int count, String... changed) {
        ObjectNode e = (ObjectNode) json("{'hostId':'" + host + "','seq':" + seq + ",'at':'2026-01-01T00:00:0" + (seq % 10)
                + "Z','connectionKey':'" + key + "','state':'" + state + "','connected':"
                + "CONNECTED".equals(state) + ",'lastError':null,'connectionInfo':{'type':'file'},'change':'" + change + "'}");
        e.put("connectionIdCount", count);
        e.putArray("changedIds").addAll(Arrays.stream(changed).map(e::textNode).toList());
        return e;
    }

    private static JsonNode list(long seq, String... cidKeyState) {
        ObjectNode list = (ObjectNode) json("{'seq':" + seq + ",'connections':{}}");
        for (int i = 0; i < cidKeyState.length; i += 3) {
            ((ObjectNode) list.get("connections")).set(cidKeyState[i], json("{'managed':true,'connected':false,'state':'"
                    + cidKeyState[i + 2] + "','connectionKey':'" + cidKeyState[i + 1]
                    + "','since':'2025-12-31T00:00:00Z','lastError':null,'connectionInfo':{'type':'file','path':'/x'}}"));
        }
        return list;
    }

    /** A page asked with {@code after} (null: the first), answered at {@code seq} with {@code next} (null: the last). */
    private static FleetState.Page page(String after, long seq, String next, String... cidKeyState) {
        ObjectNode result = (ObjectNode) list(seq, cidKeyState);
        result.put("next", next);
        return new FleetState.Page(after, result);
    }

    /** {@code list} with {@code cid} stranded on {@code key}. */
    private static JsonNode withStranded(JsonNode list, String cid, String key) {
        ((ObjectNode) list.get("connections")).set(cid, json("{'managed':true,'connected':false,'state':'DISCONNECTED',"
                + "'connectionKey':'" + key + "','since':'2025-01-01T00:00:00Z','stranded':true,'lastError':{'code':4100,"
                + "'name':'OPTIONS_CONFLICT','message':'other settings'},'connectionInfo':{'type':'file'}}"));
        return list;
    }

    private JsonNode connection(String host, String key) {
        return state.snapshot().path("hosts").path(host).path("connections").path(key);
    }

    @Test
    void eventsBeforeTheListAreHeldAndThoseAtOrBelowItsSeqDropped() {
        assertTrue(state.onEvent("h1", event("h1", 5, "file:///a", "MANAGED", "CONNECTING", 2, "c1", "c2")), "a new host needs a list");
        assertFalse(state.onEvent("h1", event("h1", 6, "file:///a", "STATE", "CONNECTED", 2)), "already asked");
        assertEquals(-1, state.snapshot().at("/hosts/h1/seq").asLong());
        assertTrue(connection("h1", "file:///a").isMissingNode(), "nothing applied before the snapshot");

        // The list was taken after event 5: it holds c1 and c2 connecting; event 6 follows it.
        assertFalse(state.onList("h1", list(5, "c1", "file:///a", "CONNECTING", "c2", "file:///a", "CONNECTING")));
        assertEquals("CONNECTED", connection("h1", "file:///a").path("state").asText());
        assertEquals("[\"c1\",\"c2\"]", connection("h1", "file:///a").path("cids").toString());
        assertEquals(6, state.snapshot().at("/hosts/h1/seq").asLong());
        assertEquals("2026-01-01T00:00:06Z", connection("h1", "file:///a").path("since").asText(), "since: when the state changed");

        // A duplicate (a worker crash publishes again) and an old one change nothing.
        updates.clear();
        assertFalse(state.onEvent("h1", event("h1", 6, "file:///a", "STATE", "DISCONNECTED", 2)));
        assertFalse(state.onEvent("h1", event("h1", 3, "file:///a", "STATE", "DISCONNECTED", 2)));
        assertTrue(updates.isEmpty(), updates.toString());
        assertEquals("CONNECTED", connection("h1", "file:///a").path("state").asText());
    }

    @Test
    void aGapAsksForANewSnapshotAndHoldsEventsUntilThen() {
        state.learn("h1");
        state.onList("h1", list(2, "c1", "file:///a", "CONNECTED"));
        assertFalse(state.onEvent("h1", event("h1", 3, "file:///a", "MANAGED", "CONNECTED", 2, "c2")));
        assertTrue(state.onEvent("h1", event("h1", 5, "file:///a", "STATE", "DISCONNECTED", 1)), "4 is missing");
        assertEquals("CONNECTED", connection("h1", "file:///a").path("state").asText(), "5 waits for the snapshot");
        assertTrue(state.needsSnapshot("h1"));
        // A snapshot that still predates the gap leaves it open.
        assertTrue(state.onList("h1", list(3, "c1", "file:///a", "CONNECTED", "c2", "file:///a", "CONNECTED")));
        // One after 4 closes it, and 5 applies on top.
        assertFalse(state.onList("h1", list(4, "c1", "file:///a", "CONNECTED")));
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText());
        assertEquals(5, state.snapshot().at("/hosts/h1/seq").asLong());
        assertFalse(state.needsSnapshot("h1"));
    }

    @Test
    void aSnapshotOlderThanWhatWasAppliedIsIgnoredAndANewerOneReplaces() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", 1));
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText());
        state.onList("h1", list(9, "c9", "file:///b", "CONNECTED"));
        assertTrue(connection("h1", "file:///a").isMissingNode());
        assertEquals("[\"c9\"]", connection("h1", "file:///b").path("cids").toString());
    }

    /**
     * On a busy machine a periodic list can overtake an event: the list brings the change, and the
     * event, arriving after it, still goes to the log and the connection's last events, once.
     */
    @Test
    void anEventAListOvertookIsStillLoggedOnce() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        state.onList("h1", list(2, "c1", "file:///a", "DISCONNECTED"));
        updates.clear();
        assertFalse(state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", 1)));
        assertEquals(1, updates.size(), updates.toString());
        assertEquals("log", updates.get(0).path("type").asText());
        assertEquals(2, updates.get(0).at("/event/seq").asLong());
        assertEquals(List.of(2L), seqsOf(state.connection("h1", "file:///a").path("events")));
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText());

        updates.clear();
        assertFalse(state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", 1)), "delivered again");
        assertTrue(updates.isEmpty(), updates.toString());
        assertEquals(List.of(2L), seqsOf(state.connection("h1", "file:///a").path("events")));
    }

    private static List<Long> seqsOf(JsonNode events) {
        List<Long> seqs = new ArrayList<>();
        events.forEach(e -> seqs.add(e.path("seq").asLong()));
        return seqs;
    }

    @Test
    void aRefreshThatFindsNothingNewIsNotSentToThePagesAgain() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        updates.clear();
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        assertTrue(updates.isEmpty(), updates.toString());
        state.onList("h1", list(2, "c1", "file:///a", "DISCONNECTED"));
        assertEquals(1, updates.size());
    }

    @Test
    void theLastCidGoneAndDisconnectedRemovesTheConnection() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        state.onEvent("h1", event("h1", 2, "file:///a", "UNMANAGED", "CONNECTED", 0, "c1"));
        assertEquals(0, connection("h1", "file:///a").path("cids").size(), "still connected while it disconnects");
        assertFalse(connection("h1", "file:///a").path("managed").asBoolean());
        state.onEvent("h1", event("h1", 3, "file:///a", "STATE", "DISCONNECTED", 0));
        assertTrue(connection("h1", "file:///a").isMissingNode());
        assertEquals("null", updates.get(updates.size() - 1).path("value").toString(), "the page is told it went");
    }

    @Test
    void aBrokerReconnectHoldsEveryHostsEventsUntilItsNextSnapshot() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        state.onBrokerDown("gone");
        assertEquals(List.of("h1"), state.onBrokerUp());
        assertFalse(state.onEvent("h1", event("h1", 7, "file:///a", "STATE", "DISCONNECTED", 1)));
        assertEquals("CONNECTED", connection("h1", "file:///a").path("state").asText());
        state.onList("h1", list(6, "c1", "file:///a", "CONNECTED"));
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText());
    }

    @Test
    void aHostThatDoesNotAnswerIsMarkedUntilItDoes() {
        state.learn("h1");
        state.onNoAnswer("h1", "does not answer");
        assertFalse(state.snapshot().at("/hosts/h1/answering").asBoolean());
        assertEquals("does not answer", state.snapshot().at("/hosts/h1/problem").asText());
        assertEquals(List.of("h1"), state.hostsToRetry());
        state.onList("h1", list(0));
        assertTrue(state.snapshot().at("/hosts/h1/answering").asBoolean());
        assertEquals(List.of(), state.hostsToRetry());
    }

    @Test
    void healthIsCarriedWhenTheWorkerSendsIt() {
        state.learn("h1");
        state.onList("h1", list(0, "c1", "file:///a", "CONNECTED"));
        ObjectNode e = (ObjectNode) event("h1", 1, "file:///a", "HEALTH", "CONNECTED", 1);
        e.set("health", json("{'status':'DEGRADED','reasons':['SLOW']}"));
        state.onEvent("h1", e);
        assertEquals("DEGRADED", connection("h1", "file:///a").at("/health/status").asText());
    }

    @Test
    void unmanagedConnectionsOfTheListHaveNoCidsAndBadInputIsRefusedOrIgnored() {
        state.learn("h1");
        ObjectNode l = (ObjectNode) list(1, "c1", "file:///a", "CONNECTED");
        ((ObjectNode) l.get("connections")).set("unmanaged-1", json("{'managed':false,'connected':true,'state':'CONNECTED',"
                + "'connectionKey':'nfs://f/e','since':null,'lastError':null,'connectionInfo':{'type':'nfs'}}"));
        state.onList("h1", l);
        assertEquals(0, connection("h1", "nfs://f/e").path("cids").size());
        assertEquals("nfs", connection("h1", "nfs://f/e").path("type").asText());
        assertThrows(IllegalArgumentException.class, () -> state.learn("h1.example"));
        assertFalse(state.onEvent("x.y", json("{'hostId':'x.y','seq':1,'connectionKey':'file:///a'}")), "not a host id");
        assertFalse(state.onEvent("h2", json("{'hostId':'h2'}")), "not an event");
        assertEquals(List.of("h1"), state.hosts());
    }

    @Test
    void aHostSpeaksOnlyForItself() {
        state.learn("h2");
        state.onList("h2", list(4, "c1", "file:///a", "CONNECTED"));
        // Published on h1's address, with h2's name, the next seq and a state of its choosing.
        assertFalse(state.onEvent("h1", event("h2", 5, "file:///a", "STATE", "DISCONNECTED", 1)));
        assertFalse(state.onEvent("h1", event("h2", 1_000_000, "file:///a", "STATE", "DISCONNECTED", 1)));
        assertEquals("CONNECTED", connection("h2", "file:///a").path("state").asText());
        assertEquals(4, state.snapshot().at("/hosts/h2/seq").asLong());
        assertEquals(List.of("h2"), state.hosts(), "nor does the speaker appear by speaking for another");
        // h2's own next event still applies: its view was not frozen by a forged seq.
        assertFalse(state.onEvent("h2", event("h2", 5, "file:///a", "STATE", "DISCONNECTED", 1)));
        assertEquals("DISCONNECTED", connection("h2", "file:///a").path("state").asText());
    }

    @Test
    void managedAndUnmanagedEventsAddAndRemoveTheirCids() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        updates.clear();
        assertFalse(state.onEvent("h1", event("h1", 2, "file:///a", "MANAGED", "CONNECTED", 3, "c3", "c2")));
        assertEquals("[\"c1\",\"c2\",\"c3\"]", connection("h1", "file:///a").path("cids").toString());
        assertEquals("[\"c1\",\"c2\",\"c3\"]", updates.get(0).at("/value/cids").toString(), "the page is told");
        assertFalse(state.onEvent("h1", event("h1", 3, "file:///a", "UNMANAGED", "CONNECTED", 1, "c1", "c3")));
        assertEquals("[\"c2\"]", connection("h1", "file:///a").path("cids").toString());
        // A state event names no CID: the connection keeps the ones it has.
        assertFalse(state.onEvent("h1", event("h1", 4, "file:///a", "STATE", "DISCONNECTED", 1)));
        assertEquals("[\"c2\"]", connection("h1", "file:///a").path("cids").toString());
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText());
        // A new connection starts with the CIDs its MANAGED event adds.
        assertFalse(state.onEvent("h1", event("h1", 5, "file:///b", "MANAGED", "CONNECTING", 1, "c9")));
        assertEquals("[\"c9\"]", connection("h1", "file:///b").path("cids").toString());
        assertEquals("2026-01-01T00:00:05Z", connection("h1", "file:///b").path("since").asText());
        assertFalse(state.needsSnapshot("h1"));
    }

    @Test
    void aCidCountOtherThanTheWorkersAsksForANewList() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        // c2 was managed on it in an event this console never got, without a gap in seq.
        assertTrue(state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", 2)), "1 CID held, 2 said");
        assertTrue(state.needsSnapshot("h1"));
        assertFalse(state.onEvent("h1", event("h1", 3, "file:///a", "STATE", "CONNECTED", 2)), "asked already");
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText(), "3 waits for the list");
        // A list taken before the event that showed the state wrong cannot mend it.
        assertTrue(state.onList("h1", list(1, "c1", "file:///a", "CONNECTED")));
        assertTrue(state.needsSnapshot("h1"));
        assertFalse(state.onList("h1", list(2, "c1", "file:///a", "DISCONNECTED", "c2", "file:///a", "DISCONNECTED")));
        assertEquals("[\"c1\",\"c2\"]", connection("h1", "file:///a").path("cids").toString());
        assertEquals("CONNECTED", connection("h1", "file:///a").path("state").asText());
        assertFalse(state.needsSnapshot("h1"));
    }

    /**
     * CIDs a, b and c of one connection, listed in two pages: a in the first, at seq 5, b and c in
     * the second, at seq 7, which already has events 6 and 7. Held and later events then change a
     * from 5 on, b and c from 7 on.
     */
    @Test
    void pagesAtDifferentSeqsAndTheEventsBetweenThemMakeTheConnectionOnce() {
        String k = "file:///k";
        assertTrue(state.onEvent("h1", event("h1", 6, k, "STATE", "CONNECTED", 2)));
        assertFalse(state.onEvent("h1", event("h1", 7, k, "MANAGED", "CONNECTED", 3, "c")));
        assertFalse(state.onList("h1", List.of(page(null, 5, "a", "a", k, "CONNECTING"),
                page("a", 7, null, "b", k, "CONNECTED", "c", k, "CONNECTED"))));
        assertEquals(7, state.snapshot().at("/hosts/h1/seq").asLong());
        assertEquals("[\"a\",\"b\",\"c\"]", connection("h1", k).path("cids").toString(), "c once");
        assertEquals("CONNECTED", connection("h1", k).path("state").asText());
        assertFalse(state.onEvent("h1", event("h1", 8, k, "UNMANAGED", "CONNECTED", 2, "c")));
        assertFalse(state.onEvent("h1", event("h1", 9, k, "UNMANAGED", "CONNECTED", 1, "a")));
        assertFalse(state.onEvent("h1", event("h1", 10, k, "STATE", "DISCONNECTED", 1)));
        assertEquals("[\"b\"]", connection("h1", k).path("cids").toString());
        assertEquals("DISCONNECTED", connection("h1", k).path("state").asText());
        assertFalse(state.needsSnapshot("h1"));
    }

    /**
     * A connection's state is the one of its freshest page, and older events do not overwrite it:
     * the page at seq 8 already has events 6 to 8, and a lastError the worker updated without an
     * event (a connection that failed again while down).
     */
    @Test
    void aConnectionsStateIsTheOneOfItsFreshestPage() {
        String k = "file:///k";
        ObjectNode down = (ObjectNode) event("h1", 6, k, "STATE", "DISCONNECTED", 2);
        down.set("lastError", json("{'code':451,'name':'StorageServerConnectionError','message':'first'}"));
        assertTrue(state.onEvent("h1", down));
        ObjectNode second = (ObjectNode) list(8, "b", k, "DISCONNECTED");
        second.set("next", null);
        ((ObjectNode) second.at("/connections/b")).set("lastError",
                json("{'code':451,'name':'StorageServerConnectionError','message':'again'}"));
        assertFalse(state.onList("h1", List.of(page(null, 5, "a", "a", k, "CONNECTED"), new FleetState.Page("a", second))));
        assertEquals(6, state.snapshot().at("/hosts/h1/seq").asLong());
        assertEquals("DISCONNECTED", connection("h1", k).path("state").asText());
        assertEquals("again", connection("h1", k).at("/lastError/message").asText(), "event 6 is older than page 2");
        assertFalse(state.onEvent("h1", event("h1", 7, k, "STATE", "CONNECTING", 2)));
        assertEquals("DISCONNECTED", connection("h1", k).path("state").asText(), "page 2 has 7 and 8");
        assertFalse(state.onEvent("h1", event("h1", 8, k, "STATE", "DISCONNECTED", 2)));
        assertEquals("again", connection("h1", k).at("/lastError/message").asText());
        assertFalse(state.onEvent("h1", event("h1", 9, k, "STATE", "CONNECTED", 2)));
        assertEquals("CONNECTED", connection("h1", k).path("state").asText());
        assertEquals("[\"a\",\"b\"]", connection("h1", k).path("cids").toString());
    }

    /**
     * Each event against the page whose range holds its CID: pages (..a] at seq 5, (a..c] at seq 10
     * and (c..) at seq 6, with events 6 to 10 arriving before the list (held) or after it, the
     * connection shown once the host is at seq 10 is the worker's at 10.
     */
    @Test
    void eachEventChangesOnlyTheCidsWhosePageIsOlder() {
        String k = "file:///k";
        // At 5, k has a and b. Page 3 has d (6); page 2 has neither c (7, 9) nor a (10), and k's state of 8.
        List<JsonNode> events = List.of(event("h1", 6, k, "MANAGED", "CONNECTING", 3, "d"),
                event("h1", 7, k, "MANAGED", "CONNECTING", 4, "c"), event("h1", 8, k, "STATE", "CONNECTED", 4),
                event("h1", 9, k, "UNMANAGED", "CONNECTED", 3, "c"), event("h1", 10, k, "UNMANAGED", "CONNECTED", 2, "a"));
        List<FleetState.Page> pages = List.of(page(null, 5, "a", "a", k, "CONNECTING"), page("a", 10, "c", "b", k, "CONNECTED"),
                page("c", 6, null, "d", k, "CONNECTING"));
        for (int held = 0; held <= events.size(); held++) {
            FleetState s = new FleetState(u -> { }, Clock.systemUTC());
            s.learn("h1");
            for (JsonNode e : events.subList(0, held)) {
                s.onEvent("h1", e);
            }
            assertFalse(s.onList("h1", pages), "held " + held);
            for (JsonNode e : events.subList(held, events.size())) {
                assertFalse(s.onEvent("h1", e), "held " + held + ", then " + e);
            }
            JsonNode shown = s.snapshot().at("/hosts/h1/connections").path(k);
            assertEquals("[\"b\",\"d\"]", shown.path("cids").toString(), "held " + held);
            assertEquals("CONNECTED", shown.path("state").asText(), "held " + held);
            assertEquals(10, s.snapshot().at("/hosts/h1/seq").asLong());
            // Above every page: every event applies whole, and its count is checked.
            assertFalse(s.onEvent("h1", event("h1", 11, k, "MANAGED", "CONNECTED", 3, "c")), "held " + held);
            assertEquals("[\"b\",\"c\",\"d\"]", s.snapshot().at("/hosts/h1/connections").path(k).path("cids").toString());
            assertFalse(s.needsSnapshot("h1"));
        }
    }

    @Test
    void anEmptyPageAndAWorkerThatDoesNotPage() {
        String k = "file:///k";
        state.learn("h1");
        // A busy worker's empty page: its next is its after, and the page after it holds the rest.
        assertFalse(state.onList("h1", List.of(page(null, 3, "m", "e", k, "CONNECTED"), page("m", 4, "m"),
                page("m", 5, null, "t", k, "CONNECTED", "u", k, "CONNECTED"))));
        assertEquals("[\"e\",\"t\",\"u\"]", connection("h1", k).path("cids").toString());
        assertFalse(state.onEvent("h1", event("h1", 4, k, "MANAGED", "CONNECTED", 3, "f")), "in page 1's range, after 3");
        assertFalse(state.onEvent("h1", event("h1", 5, k, "MANAGED", "CONNECTED", 4, "u")), "page 3 has it");
        assertFalse(state.onEvent("h1", event("h1", 6, k, "STATE", "CONNECTED", 4)));
        assertEquals("[\"e\",\"f\",\"t\",\"u\"]", connection("h1", k).path("cids").toString());
        assertFalse(state.needsSnapshot("h1"));
        // A list without next is one page.
        assertFalse(state.onList("h1", list(6, "z", k, "CONNECTED")));
        assertEquals("[\"z\"]", connection("h1", k).path("cids").toString());
    }

    @Test
    void aStrandedCidFollowsNoEventOfItsKeyAndGoesWhenUnmanaged() {
        String k = "file:///a";
        state.learn("h1");
        state.onList("h1", withStranded(withStranded(list(1, "c1", k, "CONNECTED"), "s1", k), "s2", "file:///gone"));
        JsonNode stranded = connection("h1", FleetState.STRANDED + k);
        assertEquals("[\"s1\"]", stranded.path("cids").toString());
        assertEquals("DISCONNECTED", stranded.path("state").asText());
        assertEquals(4100, stranded.at("/lastError/code").asInt());
        assertEquals("file", stranded.path("type").asText());
        assertEquals("[\"c1\"]", connection("h1", k).path("cids").toString(), "not counted with the live ones");

        assertFalse(state.onEvent("h1", event("h1", 2, k, "STATE", "DISCONNECTED", 1)));
        assertFalse(state.onEvent("h1", event("h1", 3, k, "STATE", "CONNECTED", 1)));
        assertEquals(stranded, connection("h1", FleetState.STRANDED + k), "its key's events do not touch it");
        assertEquals("CONNECTED", connection("h1", k).path("state").asText());

        // Unmanaged beside the live connection: that connection's event.
        updates.clear();
        assertFalse(state.onEvent("h1", event("h1", 4, k, "UNMANAGED", "CONNECTED", 1, "s1")));
        assertTrue(connection("h1", FleetState.STRANDED + k).isMissingNode());
        assertEquals("[\"c1\"]", connection("h1", k).path("cids").toString());
        assertTrue(updates.stream().anyMatch(u -> (FleetState.STRANDED + k).equals(u.path("key").asText())
                && u.path("value").isNull()), "the page is told it went: " + updates);
        // Alone on its key: its own event, and no live connection appears.
        assertFalse(state.onEvent("h1", event("h1", 5, "file:///gone", "UNMANAGED", "DISCONNECTED", 0, "s2")));
        assertTrue(connection("h1", FleetState.STRANDED + "file:///gone").isMissingNode());
        assertTrue(connection("h1", "file:///gone").isMissingNode());
        assertFalse(state.needsSnapshot("h1"));
    }

    @Test
    void aPageThatJoinsGetsTheLastEventsNewestFirstAlsoWhileTheBrokerIsAway() {
        String k = "file:///a";
        state.onList("h1", list(0, "c1", k, "CONNECTING"));
        for (long seq = 1; seq <= EventHistory.SIZE + 5; seq++) {
            state.onEvent("h1", event("h1", seq, k, "STATE", seq % 2 == 0 ? "CONNECTED" : "DISCONNECTED", 1));
        }
        // A late event (a list overtook it) is logged too.
        state.onList("h1", list(EventHistory.SIZE + 7, "c1", k, "CONNECTED"));
        state.onEvent("h1", event("h1", EventHistory.SIZE + 6, k, "STATE", "CONNECTED", 1));
        state.onBrokerDown("lost the broker");

        List<ObjectNode> joined = new ArrayList<>();
        state.join(joined::add);
        JsonNode events = joined.get(0).path("events");
        assertEquals(EventHistory.SIZE, events.size(), "as many as the page's log shows");
        assertEquals(EventHistory.SIZE + 6, events.get(0).path("seq").asLong(), "newest first");
        assertEquals(EventHistory.SIZE + 5, events.get(1).path("seq").asLong());
        assertEquals(7, events.get(EventHistory.SIZE - 1).path("seq").asLong(), "the oldest went");
        assertEquals("h1", events.get(0).path("hostId").asText());
        assertEquals(k, events.get(0).path("connectionKey").asText());
    }

    @Test
    void theBrokerIsConnectingUntilReachedOrFailed() {
        JsonNode broker = state.snapshot().path("broker");
        assertTrue(broker.path("connecting").asBoolean(), broker.toString());
        assertFalse(broker.path("up").asBoolean());
        state.onBrokerDown("connection refused");
        broker = state.snapshot().path("broker");
        assertFalse(broker.path("connecting").asBoolean(), "a failure is a failure: " + broker);
        assertEquals("connection refused", broker.path("problem").asText());
        state.onBrokerUp();
        assertFalse(state.snapshot().at("/broker/connecting").asBoolean());
        assertTrue(state.snapshot().at("/broker/up").asBoolean());
    }

    @Test
    void aRetryComesFromTheListsAndAnEventHidesItUntilTheNextList() {
        JsonNode retrying = list(3, "c1", "file:///a", "DISCONNECTED");
        ((ObjectNode) retrying.at("/connections/c1")).set("retry", json("{'failures':3,'nextAttemptAt':'2026-01-01T00:01:00Z'}"));
        state.onList("h1", retrying);
        assertEquals(json("{'failures':3,'nextAttemptAt':'2026-01-01T00:01:00Z'}"), connection("h1", "file:///a").path("retry"));

        // A refresh at the same seq brings the next count: the page gets it.
        ((ObjectNode) retrying.at("/connections/c1")).set("retry", json("{'failures':4,'nextAttemptAt':'2026-01-01T00:02:00Z'}"));
        updates.clear();
        state.onList("h1", retrying);
        assertEquals(4, connection("h1", "file:///a").at("/retry/failures").asInt());
        assertEquals(4, updates.get(updates.size() - 1).at("/value/connections/file:~1~1~1a/retry/failures").asInt(), updates.toString());

        state.onEvent("h1", event("h1", 4, "file:///a", "STATE", "CONNECTED", 1));
        assertTrue(connection("h1", "file:///a").path("retry").isMissingNode(), "connected: no retry");
    }
}
