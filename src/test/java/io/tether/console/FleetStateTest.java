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

    private static JsonNode event(String host, long seq, String key, String change, String state, String... cids) {
        ObjectNode e = (ObjectNode) json("{'hostId':'" + host + "','seq':" + seq + ",'at':'2026-01-01T00:00:0" + (seq % 10)
                + "Z','connectionKey':'" + key + "','changedIds':[],'state':'" + state + "','connected':"
                + "CONNECTED".equals(state) + ",'lastError':null,'connectionInfo':{'type':'file'},'change':'" + change + "'}");
        e.putArray("connectionIds").addAll(java.util.Arrays.stream(cids).map(c -> e.textNode(c)).toList());
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

    private JsonNode connection(String host, String key) {
        return state.snapshot().path("hosts").path(host).path("connections").path(key);
    }

    @Test
    void eventsBeforeTheListAreHeldAndThoseAtOrBelowItsSeqDropped() {
        assertTrue(state.onEvent("h1", event("h1", 5, "file:///a", "MANAGED", "CONNECTING", "c1", "c2")), "a new host needs a list");
        assertFalse(state.onEvent("h1", event("h1", 6, "file:///a", "STATE", "CONNECTED", "c1", "c2")), "already asked");
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
        assertFalse(state.onEvent("h1", event("h1", 6, "file:///a", "STATE", "DISCONNECTED", "c1", "c2")));
        assertFalse(state.onEvent("h1", event("h1", 3, "file:///a", "STATE", "DISCONNECTED", "c1", "c2")));
        assertTrue(updates.isEmpty(), updates.toString());
        assertEquals("CONNECTED", connection("h1", "file:///a").path("state").asText());
    }

    @Test
    void aGapAsksForANewSnapshotAndHoldsEventsUntilThen() {
        state.learn("h1");
        state.onList("h1", list(2, "c1", "file:///a", "CONNECTED"));
        assertFalse(state.onEvent("h1", event("h1", 3, "file:///a", "MANAGED", "CONNECTED", "c1", "c2")));
        assertTrue(state.onEvent("h1", event("h1", 5, "file:///a", "STATE", "DISCONNECTED", "c1", "c2")), "4 is missing");
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
        state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", "c1"));
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
        assertFalse(state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", "c1")));
        assertEquals(1, updates.size(), updates.toString());
        assertEquals("log", updates.get(0).path("type").asText());
        assertEquals(2, updates.get(0).at("/event/seq").asLong());
        assertEquals(List.of(2L), seqsOf(state.connection("h1", "file:///a").path("events")));
        assertEquals("DISCONNECTED", connection("h1", "file:///a").path("state").asText());

        updates.clear();
        assertFalse(state.onEvent("h1", event("h1", 2, "file:///a", "STATE", "DISCONNECTED", "c1")), "delivered again");
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
        state.onEvent("h1", event("h1", 2, "file:///a", "UNMANAGED", "CONNECTED"));
        assertEquals(0, connection("h1", "file:///a").path("cids").size(), "still connected while it disconnects");
        assertFalse(connection("h1", "file:///a").path("managed").asBoolean());
        state.onEvent("h1", event("h1", 3, "file:///a", "STATE", "DISCONNECTED"));
        assertTrue(connection("h1", "file:///a").isMissingNode());
        assertEquals("null", updates.get(updates.size() - 1).path("value").toString(), "the page is told it went");
    }

    @Test
    void aBrokerReconnectHoldsEveryHostsEventsUntilItsNextSnapshot() {
        state.learn("h1");
        state.onList("h1", list(1, "c1", "file:///a", "CONNECTED"));
        state.onBrokerDown("gone");
        assertEquals(List.of("h1"), state.onBrokerUp());
        assertFalse(state.onEvent("h1", event("h1", 7, "file:///a", "STATE", "DISCONNECTED", "c1")));
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
        state.onList("h1", list(0));
        ObjectNode e = (ObjectNode) event("h1", 1, "file:///a", "HEALTH", "CONNECTED", "c1");
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
        assertFalse(state.onEvent("h1", event("h2", 5, "file:///a", "STATE", "DISCONNECTED", "c1")));
        assertFalse(state.onEvent("h1", event("h2", 1_000_000, "file:///a", "STATE", "DISCONNECTED", "c1")));
        assertEquals("CONNECTED", connection("h2", "file:///a").path("state").asText());
        assertEquals(4, state.snapshot().at("/hosts/h2/seq").asLong());
        assertEquals(List.of("h2"), state.hosts(), "nor does the speaker appear by speaking for another");
        // h2's own next event still applies: its view was not frozen by a forged seq.
        assertFalse(state.onEvent("h2", event("h2", 5, "file:///a", "STATE", "DISCONNECTED", "c1")));
        assertEquals("DISCONNECTED", connection("h2", "file:///a").path("state").asText());
    }
}
