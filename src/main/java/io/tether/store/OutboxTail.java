package io.tether.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The outbox's newest committed events, kept in memory so that the event publisher reads what a
 * commit just wrote without the database: without a query, and without waiting for the
 * {@link Store}'s lock, which the next request's commit needs. It answers only when it holds every
 * outbox row after the seq asked for; otherwise (after a restart, or once the publisher fell more
 * than {@link #MAX_EVENTS} behind) the caller reads the database, which always has them.
 *
 * <p>Invariant: every outbox row whose seq is above {@code floor} is in {@code events}, in seq order.
 */
final class OutboxTail {
    /** Most events held: past it the oldest go, and a publisher that far behind reads the database. */
    static final int MAX_EVENTS = 2_000;

    private final ArrayDeque<OutboxEvent> events = new ArrayDeque<>();
    private long floor;

    /** @param floor the highest seq in the outbox when the store opened: older rows are read from the database */
    OutboxTail(long floor) {
        this.floor = floor;
    }

    /** Events just committed, in seq order, each above every event held; called under the store's lock. */
    synchronized void committed(List<OutboxEvent> added) {
        events.addAll(added);
        while (events.size() > MAX_EVENTS) {
            floor = events.removeFirst().seq();
        }
    }

    /**
     * The events after {@code afterSeq}, oldest first, at most {@code limit}; empty when the tail does
     * not hold all of them. Events up to {@code afterSeq} are let go: the publisher asks only forward.
     */
    synchronized Optional<List<OutboxEvent>> after(long afterSeq, int limit) {
        if (afterSeq < floor) {
            return Optional.empty();
        }
        dropUpTo(afterSeq);
        List<OutboxEvent> next = new ArrayList<>(Math.min(limit, events.size()));
        for (OutboxEvent event : events) {
            if (next.size() == limit) {
                break;
            }
            next.add(event);
        }
        return Optional.of(next);
    }

    /** The rows up to {@code seq} left the outbox (published, or the outbox was trimmed). */
    synchronized void dropUpTo(long seq) {
        while (!events.isEmpty() && events.peekFirst().seq() <= seq) {
            events.removeFirst();
        }
        floor = Math.max(floor, seq);
    }

    /** Every row left the outbox. */
    synchronized void clear() {
        events.clear();
    }
}
