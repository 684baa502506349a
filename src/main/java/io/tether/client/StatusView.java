package io.tether.client;

import io.tether.api.StatusEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One host followed without missing anything: list, then watch (docs/protocol.md section 5). The
 * subscription to the host's events is made first; events that come before the list, or while a
 * list is on its way, are held; once the list is in, they and every later event are handed on in
 * {@code seq} order, each exactly once: one at or below the seq already applied (the list's, or an
 * event's) is dropped, as the protocol says of an event delivered twice after a worker crash, and
 * a gap (an event never received, e.g. while the broker was away) takes a fresh list.
 *
 * <p>What the host's lists and events are applied to is the {@link Follower}'s: the wait for one
 * CID ({@link CidWaiter}) keeps the CID's page and connection. A view takes only events that are
 * the host's: published on its status address, whose body names it.
 */
final class StatusView {
    /** Events held while a list is on its way; past this the oldest go, and the gap they leave takes another list. */
    static final int MAX_HELD = 10_000;

    /** What a view keeps up to date. Called under the view's lock: it must not block. */
    interface Follower {
        /**
         * Lists the host afresh and takes what it finds as its state. Completes with the seq that
         * state is as of, or with null (or a failure) when there is nothing more to follow.
         */
        CompletableFuture<Long> list();

        /** The host's next event: the one after the last list's seq or the last event handed on. */
        void apply(StatusEvent event);
    }

    private final String hostId;
    private final Follower follower;
    private final List<StatusEvent> held = new ArrayList<>();
    /** The seq of the last list or event applied; -1 before the first list. */
    private long seq = -1;
    /** True while a list is on its way: events are held until it is in. */
    private boolean listing = true;
    private boolean closed;

    StatusView(String hostId, Follower follower) {
        this.hostId = hostId;
        this.follower = follower;
    }

    /** The host this view follows. */
    String hostId() {
        return hostId;
    }

    /** Takes the first list. Subscribe to the host's events before: none may fall between the two. */
    void start() {
        follower.list().whenComplete(this::onListed);
    }

    /**
     * Takes a fresh list, holding events until it is in: for a follower whose state an event
     * showed wrong. The list is asked for from another thread (the caller may hold this lock).
     */
    synchronized void relist() {
        if (closed || listing) {
            return;
        }
        listing = true;
        CompletableFuture.runAsync(this::start);
    }

    /**
     * An event published on {@code addressHost}'s status address. Returns false, and hands nothing
     * on, when it is not this host's: another host's address, or a body that names another host.
     */
    synchronized boolean onEvent(String addressHost, StatusEvent event) {
        if (!hostId.equals(addressHost) || !hostId.equals(event.hostId())) {
            return false;
        }
        if (closed) {
            return true;
        }
        if (listing) {
            hold(event);
        } else {
            offer(event);
        }
        return true;
    }

    /** Hands nothing more on: the follower is done. */
    synchronized void close() {
        closed = true;
        held.clear();
    }

    private synchronized void onListed(Long listedSeq, Throwable failure) {
        if (closed) {
            return;
        }
        if (failure != null || listedSeq == null) {
            close();
            return;
        }
        seq = listedSeq;
        listing = false;
        List<StatusEvent> replay = new ArrayList<>(held);
        held.clear();
        replay.sort(Comparator.comparingLong(StatusEvent::seq));
        for (StatusEvent event : replay) {
            if (closed) {
                return;
            }
            if (listing) {
                hold(event);
            } else {
                offer(event);
            }
        }
    }

    /** An event after the list: dropped if old, applied if next, a new list on a gap. */
    private void offer(StatusEvent event) {
        if (event.seq() <= seq) {
            return;
        }
        if (event.seq() > seq + 1) {
            hold(event);
            relist();
            return;
        }
        seq = event.seq();
        follower.apply(event);
    }

    private void hold(StatusEvent event) {
        if (held.size() >= MAX_HELD) {
            held.remove(0);
        }
        held.add(event);
    }
}
