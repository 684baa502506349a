package io.tether.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.StatusEvent;
import io.tether.client.TetherClient.WaitOutcome;
import io.tether.client.TetherClient.WaitResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A wait for a CID, list then watch, with delta events: the page holding the CID gives its key and
 * seq; STATE and HEALTH events of that key, MANAGED and UNMANAGED events naming the CID decide.
 */
class CidWaiterTest {
    private static final String CID = "flow1-data";
    private static final String KEY = "file:///srv/data";
    private static final String OTHER_KEY = "file:///srv/other";

    /** The worker's list pages, answered in the order the test gives them; every request is remembered. */
    private static final class Pages implements BiFunction<String, Duration, CompletableFuture<JsonNode>> {
        private final List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
        private final List<String> asked = new ArrayList<>();

        /** The next request is answered with {@code page}, at once when it comes. */
        synchronized Pages then(JsonNode page) {
            answers.add(CompletableFuture.completedFuture(page));
            return this;
        }

        /** The next request is answered when the test completes the future returned. */
        synchronized CompletableFuture<JsonNode> later() {
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            answers.add(answer);
            return answer;
        }

        synchronized List<String> asked() {
            return new ArrayList<>(asked);
        }

        @Override
        public synchronized CompletableFuture<JsonNode> apply(String after, Duration left) {
            asked.add(after);
            return asked.size() > answers.size() ? CompletableFuture.failedFuture(new AssertionError("no page for request "
                    + asked.size())) : answers.get(asked.size() - 1);
        }
    }

    private static CidWaiter waiter(Pages pages, boolean stopAtError) {
        Duration wait = Duration.ofMinutes(1);
        CidWaiter waiter = new CidWaiter("h1", CID, stopAtError, wait, System.nanoTime() + wait.toNanos(), pages);
        waiter.list();
        return waiter;
    }

    private static ObjectNode page(long seq, String next) {
        ObjectNode page = JsonRpc.MAPPER.createObjectNode().put("seq", seq);
        page.putObject("connections");
        return next == null ? page.putNull("next") : page.put("next", next);
    }

    private static ObjectNode entry(String key, String state) {
        ObjectNode entry = JsonRpc.MAPPER.createObjectNode().put("managed", true).put("connected", state.equals("CONNECTED"))
                .put("state", state).put("connectionKey", key);
        entry.putNull("lastError");
        return entry;
    }

    /** A page at {@code seq}, the last, holding the CID on {@code key} in {@code state}. */
    private static ObjectNode holding(long seq, String key, String state) {
        ObjectNode page = page(seq, null);
        ((ObjectNode) page.get("connections")).set(CID, entry(key, state));
        return page;
    }

    private static ObjectNode event(long seq, String change, String key, String state, String... changedIds) {
        ObjectNode event = JsonRpc.MAPPER.createObjectNode().put("hostId", "h1").put("seq", seq)
                .put("at", "2026-01-01T00:00:00Z").put("connectionKey", key).put("state", state)
                .put("connected", state.equals("CONNECTED")).put("change", change)
                .put("connectionIdCount", 1);
        event.putNull("lastError");
        Arrays.stream(changedIds).forEach(event.putArray("changedIds")::add);
        return event;
    }

    private static ObjectNode failed(ObjectNode status) {
        status.putObject("lastError").put("code", 453).put("name", "StorageServerAccessPermissionError")
                .put("message", "no such directory");
        return status;
    }

    /** The event, as the subscription hands it to the host's view. */
    private static void on(CidWaiter waiter, ObjectNode event) {
        waiter.onEvent("h1", StatusEvent.fromParams(event));
    }

    private static WaitResult result(CidWaiter waiter) throws Exception {
        return waiter.done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void connectedInTheListEndsTheWaitAtOnce() throws Exception {
        CidWaiter waiter = waiter(new Pages().then(holding(4, KEY, "CONNECTED")), false);
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void theCidIsLookedForPageAfterPageAndEventsApplyAfterItsPagesSeq() throws Exception {
        ObjectNode second = holding(7, KEY, "CONNECTING");
        second.put("next", CID);
        Pages pages = new Pages().then(page(5, "")).then(second);
        CidWaiter waiter = waiter(pages, false);
        assertEquals(Arrays.asList(null, ""), pages.asked(), "an empty page is not the last; the page holding the CID is");
        assertFalse(waiter.done.isDone());

        on(waiter, event(6, "STATE", KEY, "CONNECTED"));
        on(waiter, event(7, "STATE", KEY, "CONNECTED"));
        assertFalse(waiter.done.isDone(), "events up to the seq of the CID's page are in it");
        on(waiter, event(8, "STATE", KEY, "CONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void aCidOnNoPageIsNotFoundOnlyOnceTheLastPageCame() {
        ObjectNode first = page(3, CID + "-9");
        ((ObjectNode) first.get("connections")).set(CID + "-1", entry(KEY, "CONNECTED"));
        Pages pages = new Pages().then(first).then(page(3, CID + "-9")).then(page(4, null));
        CidWaiter waiter = waiter(pages, false);
        ExecutionException e = assertThrows(ExecutionException.class, () -> result(waiter));
        assertEquals(Optional.of(ErrorCode.CID_NOT_FOUND), assertInstanceOf(RpcException.class, e.getCause()).errorCode());
        assertEquals(Arrays.asList(null, CID + "-9", CID + "-9"), pages.asked());
    }

    @Test
    void aStateEventOfTheCidsConnectionDecides() throws Exception {
        CidWaiter waiter = waiter(new Pages().then(holding(4, KEY, "CONNECTING")), false);
        on(waiter, event(5, "STATE", OTHER_KEY, "CONNECTED"));
        assertFalse(waiter.done.isDone(), "another connection's state is not the CID's");
        on(waiter, event(6, "STATE", KEY, "DISCONNECTED"));
        assertFalse(waiter.done.isDone());
        on(waiter, event(7, "STATE", KEY, "CONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void aHealthEventOfTheCidsConnectionDecidesToo() throws Exception {
        CidWaiter waiter = waiter(new Pages().then(holding(4, KEY, "CONNECTING")), false);
        on(waiter, event(5, "HEALTH", KEY, "CONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void tryOnceStopsAtTheFirstErrorOfTheCidsConnection() throws Exception {
        CidWaiter waiter = waiter(new Pages().then(holding(4, KEY, "CONNECTING")), true);
        on(waiter, failed(event(5, "STATE", OTHER_KEY, "DISCONNECTED")));
        assertFalse(waiter.done.isDone());
        on(waiter, failed(event(6, "STATE", KEY, "DISCONNECTED")));
        WaitResult result = result(waiter);
        assertEquals(WaitOutcome.FAILED, result.outcome());
        assertEquals(453, result.lastError().path("code").asInt());
    }

    @Test
    void onlyAnUnmanagedEventNamingTheCidEndsTheWaitAsUnmanagedOnceAListFindsItGone() throws Exception {
        Pages pages = new Pages().then(holding(4, KEY, "CONNECTING")).then(page(6, null));
        CidWaiter waiter = waiter(pages, false);
        on(waiter, event(5, "UNMANAGED", KEY, "CONNECTING", "flow2-data"));
        assertFalse(waiter.done.isDone(), "another CID left the connection");
        on(waiter, event(6, "UNMANAGED", KEY, "CONNECTING", "flow3-data", CID));
        assertEquals(WaitOutcome.UNMANAGED, result(waiter).outcome());
        assertEquals(2, pages.asked().size(), "listed again to tell gone from replaced");
    }

    @Test
    void aStrandedCidManagedAgainIsUnmanagedAndManagedInOneTransactionAndTheWaitGoesOn() throws Exception {
        ObjectNode stranded = holding(4, KEY, "DISCONNECTED");
        ((ObjectNode) stranded.get("connections").get(CID)).put("stranded", true);
        // What the worker sends for a manage of a stranded CID: its row goes, then the CID comes.
        Pages pages = new Pages().then(stranded).then(holding(6, OTHER_KEY, "CONNECTING"));
        CidWaiter waiter = waiter(pages, false);
        on(waiter, event(5, "UNMANAGED", KEY, "DISCONNECTED", CID));
        on(waiter, event(6, "MANAGED", OTHER_KEY, "CONNECTING", CID));
        assertFalse(waiter.done.isDone(), "replaced, not gone");
        on(waiter, event(7, "STATE", OTHER_KEY, "CONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void anotherCidsManagedEventDecidesNothing() throws Exception {
        CidWaiter waiter = waiter(new Pages().then(holding(4, KEY, "CONNECTING")), false);
        on(waiter, event(5, "MANAGED", OTHER_KEY, "CONNECTED", "flow2-data"));
        assertFalse(waiter.done.isDone());
        on(waiter, event(6, "STATE", KEY, "CONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void aStrandedCidFollowsNoConnectionUntilAManageNamesIt() throws Exception {
        ObjectNode page = holding(4, KEY, "DISCONNECTED");
        failed((ObjectNode) page.get("connections").get(CID)).put("stranded", true);
        CidWaiter waiter = waiter(new Pages().then(page), false);
        on(waiter, event(5, "STATE", KEY, "CONNECTED"));
        assertFalse(waiter.done.isDone(), "the connection with the stranded CID's key is not the CID's");

        on(waiter, event(6, "MANAGED", OTHER_KEY, "CONNECTING", CID));
        assertFalse(waiter.done.isDone());
        on(waiter, event(7, "STATE", KEY, "CONNECTED"));
        assertFalse(waiter.done.isDone(), "the CID is on the key of the manage now");
        on(waiter, event(8, "STATE", OTHER_KEY, "CONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void aManagedEventNamingTheCidDecidesOnItsState() throws Exception {
        ObjectNode page = holding(4, KEY, "DISCONNECTED");
        ((ObjectNode) page.get("connections").get(CID)).put("stranded", true);
        CidWaiter waiter = waiter(new Pages().then(page), false);
        on(waiter, event(5, "MANAGED", OTHER_KEY, "CONNECTED", "flow2-data", CID));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void tryOnceOnAStrandedCidFailsWithWhyItIsStranded() throws Exception {
        ObjectNode page = holding(4, KEY, "DISCONNECTED");
        failed((ObjectNode) page.get("connections").get(CID)).put("stranded", true);
        WaitResult result = result(waiter(new Pages().then(page), true));
        assertEquals(WaitOutcome.FAILED, result.outcome());
        assertEquals(453, result.lastError().path("code").asInt());
    }

    @Test
    void eventsThatComeWhileTheListIsOnItsWayAreAppliedAfterIt() throws Exception {
        Pages pages = new Pages();
        CompletableFuture<JsonNode> list = pages.later();
        CidWaiter waiter = waiter(pages, false);
        on(waiter, event(4, "STATE", KEY, "CONNECTED"));
        on(waiter, event(5, "STATE", KEY, "DISCONNECTED"));
        on(waiter, event(6, "STATE", KEY, "CONNECTED"));
        assertFalse(waiter.done.isDone());
        list.complete(holding(4, KEY, "CONNECTING"));
        // 4 is in the list; 5 and 6 follow it.
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
    }

    @Test
    void aGapInTheSeqsTakesAFreshList() throws Exception {
        Pages pages = new Pages().then(holding(4, KEY, "CONNECTING"));
        CidWaiter waiter = waiter(pages, false);
        CompletableFuture<JsonNode> relist = pages.later();
        on(waiter, event(6, "STATE", KEY, "CONNECTED"));
        await().atMost(Duration.ofSeconds(10)).until(() -> pages.asked().size() == 2);
        assertFalse(waiter.done.isDone(), "event 5 was missed: 6 waits for a list");
        relist.complete(holding(5, KEY, "DISCONNECTED"));
        assertEquals(WaitOutcome.CONNECTED, result(waiter).outcome());
        assertEquals(Arrays.asList(null, null), pages.asked(), "the fresh list starts from the first page");
    }

    @Test
    void theWaitsEndIsATimeoutOnlyForAHostThatAnswered() throws Exception {
        CidWaiter answered = waiter(new Pages().then(holding(4, KEY, "CONNECTING")), false);
        answered.expire();
        assertEquals(WaitOutcome.TIMEOUT, result(answered).outcome());

        Pages silent = new Pages();
        silent.later();
        CidWaiter away = waiter(silent, false);
        away.expire();
        ExecutionException e = assertThrows(ExecutionException.class, () -> result(away));
        assertInstanceOf(TimeoutException.class, e.getCause());
    }
}
