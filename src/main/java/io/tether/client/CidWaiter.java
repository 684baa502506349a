package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.StatusEvent;
import io.tether.client.TetherClient.WaitOutcome;
import io.tether.client.TetherClient.WaitResult;
import io.tether.connection.ConnectionState;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * One host's wait for a CID, on the host's {@link StatusView}: the list page that holds the CID
 * gives its state, its connection key, whether it is stranded, and the seq from which events apply
 * to it; the view applies the events after that seq, in order, and says when to list again.
 *
 * <p>Events carry the CIDs they change ({@code changedIds}), not all of the connection's: a STATE
 * or HEALTH event is about the CID when it names the connection key the CID is on, unless the CID
 * is stranded (its state follows no connection); a MANAGED event naming the CID puts it on that
 * event's key. An UNMANAGED event naming it ends the wait only if a list then finds it gone: a
 * stranded CID managed again is unmanaged and managed in one transaction.
 */
final class CidWaiter implements StatusView.Follower {
    final String host;
    final String cid;
    final CompletableFuture<WaitResult> done = new CompletableFuture<>();
    private final StatusView view;
    private final boolean stopAtError;
    private final long deadline;
    private final Duration wait;
    /** Fetches a page of the list of CIDs starting with {@link #cid}: its {@code after}, and the time left for it. */
    private final BiFunction<String, Duration, CompletableFuture<JsonNode>> page;
    // Read and changed only under the view's lock (a list's adopt, an event's apply).
    private String key;
    private boolean stranded;
    /** An UNMANAGED event named the CID: a list that does not find it ends the wait as UNMANAGED. */
    private volatile boolean unmanaged;
    private volatile boolean answered;
    /** The connection's error as last seen, null while it has none: a wait that times out says it. */
    private volatile JsonNode lastError;

    /**
     * A wait until {@code deadline} ({@link System#nanoTime()}), {@code wait} from its start;
     * {@code page} fetches a page of the host's list of CIDs starting with {@code cid}. Call
     * {@link #list()} once subscribed.
     */
    CidWaiter(String host, String cid, boolean stopAtError, Duration wait, long deadline,
            BiFunction<String, Duration, CompletableFuture<JsonNode>> page) {
        this.host = host;
        this.cid = cid;
        this.stopAtError = stopAtError;
        this.wait = wait;
        this.deadline = deadline;
        this.page = page;
        this.view = new StatusView(host, this);
    }

    /** Fetches a page of {@code host}'s list of CIDs starting with the CID: its {@code after}, and the time left for it. */
    @FunctionalInterface
    interface PageFetch {
        CompletableFuture<JsonNode> fetch(String host, String after, Duration left);
    }

    /**
     * Waits for {@code cid} on every host in {@code hosts} at once, with one subscription to every
     * host's events ({@code events}); one result per host.
     */
    static Map<String, HostResult<WaitResult>> awaitAll(Set<String> hosts, String cid, Duration timeout, boolean stopAtError,
            PageFetch pages, HostEvents events) throws JMSException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, CidWaiter> waiters = new LinkedHashMap<>();
        for (String host : hosts) {
            waiters.put(host, new CidWaiter(host, cid, stopAtError, timeout, deadline,
                    (after, left) -> pages.fetch(host, after, left)));
        }
        String only = hosts.size() == 1 ? hosts.iterator().next() : null;
        // Subscribe before the lists: no event can fall between the two. Each event goes to the
        // view of the host it was published by, which refuses it if its body names another.
        AutoCloseable subscription = events.watch(only, (host, params) -> {
            CidWaiter waiter = waiters.get(host);
            if (waiter != null) {
                try {
                    waiter.onEvent(host, StatusEvent.fromParams(params));
                } catch (IllegalArgumentException unreadable) {
                    // Not an event this client can read: the gap it leaves takes a fresh list.
                }
            }
        });
        try {
            for (CidWaiter waiter : waiters.values()) {
                waiter.list();
                CompletableFuture.delayedExecutor(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS)
                        .execute(waiter::expire);
            }
            Map<String, HostResult<WaitResult>> results = new LinkedHashMap<>();
            for (CidWaiter waiter : waiters.values()) {
                results.put(waiter.host, HostCalls.outcome(waiter.host, waiter.done));
            }
            return results;
        } finally {
            try {
                subscription.close();
            } catch (Exception e) {
                // The waits are over; a subscription that does not close cleanly changes none of them.
            }
        }
    }

    /** Lists the CID: from the first page on, until the page that holds it or the last. */
    void list() {
        // A second longer than the wait: the wait's own end (expire) decides what a late list means.
        long until = deadline + Duration.ofSeconds(1).toNanos();
        ListPages.follow(after -> page.apply(after, SealingKeys.left(until)), (after, p) -> {
            answered = true;
            return !p.path("connections").has(cid);
        }).whenComplete(this::onList);
    }

    /** A list of the host ({@code list}: the page that holds the CID, null if none does), or why there is none. */
    private void onList(JsonNode list, Throwable failure) {
        if (done.isDone()) {
            return;
        }
        if (failure != null) {
            done.completeExceptionally(RpcChannel.unwrap(failure));
        } else if (list == null && unmanaged) {
            done.complete(new WaitResult(WaitOutcome.UNMANAGED, null));
        } else if (list == null) {
            done.completeExceptionally(RpcException.of(ErrorCode.CID_NOT_FOUND,
                    "connection ID \"" + cid + "\" is not managed on host " + host));
        } else if (view.onList(list.path("seq").asLong(), () -> adopt(list.path("connections").path(cid)))) {
            relist();
        }
    }

    /** Takes the CID's list entry as its state. */
    private void adopt(JsonNode entry) {
        key = entry.path("connectionKey").asText(null);
        stranded = entry.path("stranded").asBoolean(false);
        JsonNode lastError = entry.path("lastError");
        decide(entry.path("state").asText(), lastError.isObject() ? lastError : null);
    }

    /** A status event published on {@code addressHost}'s address. */
    void onEvent(String addressHost, StatusEvent event) {
        if (!done.isDone() && view.onEvent(addressHost, event) == StatusView.Taken.LIST) {
            relist();
        }
    }

    /** Lists again, from another thread: this one delivers events, or completed a list. */
    private void relist() {
        if (!done.isDone()) {
            CompletableFuture.runAsync(this::list);
        }
    }

    @Override
    public boolean apply(StatusEvent event) {
        boolean named = event.changedIds() != null && event.changedIds().contains(cid);
        String change = event.change();
        if (named && StatusEvent.Change.UNMANAGED.name().equals(change)) {
            // Gone, or replaced: a manage of a stranded CID unmanages its stored row first, and
            // manages it again in the same transaction. Only a list says which.
            unmanaged = true;
            return false;
        }
        if (named && StatusEvent.Change.MANAGED.name().equals(change)) {
            key = event.connectionKey();
            stranded = false;
            decide(event);
        } else if (!stranded && key != null && key.equals(event.connectionKey())
                && (StatusEvent.Change.STATE.name().equals(change) || StatusEvent.Change.HEALTH.name().equals(change))) {
            decide(event);
        }
        return true;
    }

    /** The wait's time is up: a host that answered has not connected in time; one that did not, did not answer. */
    void expire() {
        if (answered) {
            done.complete(new WaitResult(WaitOutcome.TIMEOUT, lastError));
        } else {
            done.completeExceptionally(new TimeoutException("host " + host + " did not answer getStorageServerList within "
                    + wait.toMillis() + " ms (is its worker running and connected to this broker?)"));
        }
    }

    private void decide(StatusEvent event) {
        decide(event.state(), event.lastError() == null ? null : JsonRpc.MAPPER.valueToTree(event.lastError()));
    }

    /** Ends the wait if a status of the CID's connection ({@code state}, {@code lastError}) is an end of it. */
    private void decide(String state, JsonNode lastError) {
        this.lastError = lastError;
        if (ConnectionState.CONNECTED.name().equals(state)) {
            done.complete(new WaitResult(WaitOutcome.CONNECTED, null));
        } else if (stopAtError && lastError != null) {
            done.complete(new WaitResult(WaitOutcome.FAILED, lastError));
        }
    }
}
