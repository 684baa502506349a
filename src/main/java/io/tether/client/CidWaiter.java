package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.ErrorCode;
import io.tether.api.StatusEvent;
import io.tether.client.TetherClient.WaitOutcome;
import io.tether.client.TetherClient.WaitResult;
import io.tether.connection.ConnectionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * One host's wait for a CID (docs/protocol.md section 5, list then watch). The list page that
 * holds the CID gives its state, its connection key, whether it is stranded, and the seq from which
 * events apply to it; events after that seq, in order, move it on; a gap in the seqs (a missed
 * event) takes a fresh list. Events arriving while a list is on its way are held and replayed after
 * it.
 *
 * <p>Events carry the CIDs they change ({@code changedIds}), not all of the connection's: a STATE
 * or HEALTH event is about the CID when it names the connection key the CID is on, unless the CID
 * is stranded (its state follows no connection); a MANAGED event naming the CID puts it on that
 * event's key. An UNMANAGED event naming it ends the wait only if a list then finds it gone: a
 * stranded CID managed again is unmanaged and managed in one transaction.
 */
final class CidWaiter {
    final String host;
    final String cid;
    final CompletableFuture<WaitResult> done = new CompletableFuture<>();
    private final boolean stopAtError;
    private final long deadline;
    private final Duration wait;
    /** Fetches a page of the list of CIDs starting with {@link #cid}: its {@code after}, and the time left for it. */
    private final BiFunction<String, Duration, CompletableFuture<JsonNode>> page;
    private final List<JsonNode> held = new ArrayList<>();
    /** The last event applied, or the seq of the list page that held the CID. */
    private long seq = -1;
    private String key;
    private boolean stranded;
    /** True until the first list: events that come before it wait for it. */
    private boolean listing = true;
    private boolean answered;
    /** An UNMANAGED event named the CID: a list that does not find it ends the wait as UNMANAGED. */
    private boolean unmanaged;

    /**
     * A wait until {@code deadline} ({@link System#nanoTime()}), {@code wait} from its start;
     * {@code page} fetches a page of the host's list of CIDs starting with {@code cid}.
     */
    CidWaiter(String host, String cid, boolean stopAtError, Duration wait, long deadline,
            BiFunction<String, Duration, CompletableFuture<JsonNode>> page) {
        this.host = host;
        this.cid = cid;
        this.stopAtError = stopAtError;
        this.wait = wait;
        this.deadline = deadline;
        this.page = page;
    }

    /** Lists the CID: from the first page on, until the page that holds it or the last. */
    void snapshot() {
        synchronized (this) {
            listing = true;
        }
        // A second longer than the wait: the wait's own end (expire) decides what a late list means.
        long until = deadline + Duration.ofSeconds(1).toNanos();
        AtomicReference<JsonNode> holding = new AtomicReference<>();
        ListPages.follow(after -> page.apply(after, Duration.ofNanos(Math.max(until - System.nanoTime(), 0))), p -> {
            answered();
            if (p.path("connections").has(cid)) {
                holding.set(p);
                return false;
            }
            return true;
        }).whenComplete((v, failure) -> onList(holding.get(), failure));
    }

    private synchronized void answered() {
        answered = true;
    }

    private synchronized void onList(JsonNode list, Throwable failure) {
        if (done.isDone()) {
            return;
        }
        if (failure != null) {
            done.completeExceptionally(TetherClient.unwrap(failure));
            return;
        }
        if (list == null && unmanaged) {
            done.complete(new WaitResult(WaitOutcome.UNMANAGED, null));
            return;
        }
        if (list == null) {
            done.completeExceptionally(RpcException.of(ErrorCode.CID_NOT_FOUND,
                    "connection ID \"" + cid + "\" is not managed on host " + host));
            return;
        }
        JsonNode entry = list.path("connections").path(cid);
        seq = list.path("seq").asLong();
        key = entry.path("connectionKey").asText(null);
        stranded = entry.path("stranded").asBoolean(false);
        listing = false;
        if (decide(entry)) {
            return;
        }
        List<JsonNode> replay = new ArrayList<>(held);
        held.clear();
        for (JsonNode event : replay) {
            if (listing) {
                held.add(event);
            } else if (!done.isDone()) {
                apply(event);
            }
        }
    }

    /** A status event of the host. */
    synchronized void onEvent(JsonNode event) {
        if (done.isDone()) {
            return;
        }
        if (listing) {
            held.add(event);
        } else {
            apply(event);
        }
    }

    private void apply(JsonNode event) {
        long eventSeq = event.path("seq").asLong();
        if (eventSeq <= seq) {
            return;
        }
        if (eventSeq > seq + 1) {
            // Missed an event (e.g. a broker reconnect): start again from a fresh snapshot.
            // Sent from another thread: this one delivers events and holds the waiter's lock.
            listing = true;
            held.add(event);
            CompletableFuture.runAsync(this::snapshot);
            return;
        }
        seq = eventSeq;
        String change = event.path("change").asText();
        boolean named = contains(event.path("changedIds"), cid);
        if (named && StatusEvent.Change.UNMANAGED.name().equals(change)) {
            // Gone, or replaced: a manage of a stranded CID unmanages its stored row first, and
            // manages it again in the same transaction. The list says which.
            unmanaged = true;
            listing = true;
            CompletableFuture.runAsync(this::snapshot);
        } else if (named && StatusEvent.Change.MANAGED.name().equals(change)) {
            key = event.path("connectionKey").asText(null);
            stranded = false;
            decide(event);
        } else if (!stranded && key != null && key.equals(event.path("connectionKey").asText(null))
                && (StatusEvent.Change.STATE.name().equals(change) || StatusEvent.Change.HEALTH.name().equals(change))) {
            decide(event);
        }
    }

    /** The wait's time is up: a host that answered has not connected in time; one that did not, did not answer. */
    synchronized void expire() {
        if (answered) {
            done.complete(new WaitResult(WaitOutcome.TIMEOUT, null));
        } else {
            done.completeExceptionally(new TimeoutException("host " + host + " did not answer getStorageServerList within "
                    + wait.toMillis() + " ms (is its worker running and connected to this broker?)"));
        }
    }

    /** Ends the wait if {@code status} (a list entry or an event) is an end of it; says whether it was. */
    private boolean decide(JsonNode status) {
        String state = status.path("state").asText();
        JsonNode lastError = status.path("lastError");
        if (ConnectionState.CONNECTED.name().equals(state)) {
            done.complete(new WaitResult(WaitOutcome.CONNECTED, null));
            return true;
        }
        if (stopAtError && lastError.isObject()) {
            done.complete(new WaitResult(WaitOutcome.FAILED, lastError));
            return true;
        }
        return false;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode item : array) {
            if (value.equals(item.asText())) {
                return true;
            }
        }
        return false;
    }
}
