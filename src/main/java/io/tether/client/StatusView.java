package io.tether.client;

import io.tether.api.StatusEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * The {@code seq} rules of following one host without missing anything: list, then watch
 * (docs/protocol.md section 5). Subscribe first; events that come before the first list, or after
 * a gap until the next list, are held; a list replaces the state unless it is older than what was
 * applied, and the held events after it are applied in {@code seq} order. An event at or below the
 * seq applied is not applied again (a list overtook it, or a worker crash delivered it twice); a
 * gap in the seqs (an event never received, e.g. while the broker was away) needs a new list; so
 * does a state the {@link Follower} finds wrong after an event, and only a list at least as new as
 * that event mends it.
 *
 * <p>A view takes only the host's own events: published on its status address, whose body names
 * it. It never lists by itself: {@link #onEvent} and {@link #onList} say when a list is needed, and
 * the caller asks for it ({@code TetherClient}'s waits, the console's feed). What the events are
 * applied to is the follower's. Thread-safe; the follower is called under the view's lock.
 */
public final class StatusView {
    /** Events held per host; past this the oldest go, and the gap they leave takes another list. */
    public static final int MAX_HELD = 10_000;

    /** What a view keeps up to date. Called under the view's lock: it must not block. */
    public interface Follower {
        /** Applies the host's next event; returns false if the state is known wrong after it (a list must mend it). */
        boolean apply(StatusEvent event);

        /** An event the state already has: at or below the seq applied. Nothing to apply; maybe something to show. */
        default void late(StatusEvent event) {
        }
    }

    /** What became of an event given to {@link #onEvent}. */
    public enum Taken {
        /** Not the host's: from another host's address, or in another host's name. Dropped. */
        REFUSED,
        /** Applied, held until a list, or already applied before. */
        TAKEN,
        /** Taken, and the host needs a list now: a gap before it, or a state found wrong after it. */
        LIST
    }

    private final String hostId;
    private final Follower follower;
    private final List<StatusEvent> held = new ArrayList<>();
    /** The seq the state is as of: the last list's or the last event's; -1 before the first list. */
    private long seq = -1;
    /** Events are held until a list: none yet, a gap, a wrong state, or the broker was away. */
    private boolean holding = true;
    /** The state was found wrong after event {@link #seq}: only a list at least that new mends it. */
    private boolean wrong;

    /** A view of {@code hostId} that applies its events to {@code follower}, holding them until the first list. */
    public StatusView(String hostId, Follower follower) {
        this.hostId = hostId;
        this.follower = follower;
    }

    /** The host this view follows. */
    public String hostId() {
        return hostId;
    }

    /** True while events are held until a list: the caller should list the host. */
    public synchronized boolean waitingForList() {
        return holding;
    }

    /** Holds every event until the next list, forgetting those held: for a broker reconnect, after which events were lost. */
    public synchronized void holdUntilList() {
        holding = true;
        held.clear();
    }

    /** An event published on {@code addressHost}'s status address. */
    public synchronized Taken onEvent(String addressHost, StatusEvent event) {
        if (!hostId.equals(addressHost) || !hostId.equals(event.hostId())) {
            return Taken.REFUSED;
        }
        if (holding) {
            hold(event);
            return Taken.TAKEN;
        }
        if (event.seq() <= seq) {
            follower.late(event);
            return Taken.TAKEN;
        }
        if (event.seq() > seq + 1) {
            holding = true;
            hold(event);
            return Taken.LIST;
        }
        return applyNext(event) ? Taken.TAKEN : Taken.LIST;
    }

    /**
     * A list of the host as of {@code listSeq} (with several pages, the lowest page seq). Runs
     * {@code adopt}, which replaces the follower's state with the list's, unless the list is older
     * than what was applied; then applies the held events that follow. Returns true if the host
     * needs another list: the held events have a gap after this one, or the state is known wrong
     * and this list is too old to mend it.
     */
    public synchronized boolean onList(long listSeq, Runnable adopt) {
        if (listSeq >= seq) {
            adopt.run();
            seq = listSeq;
            wrong = false;
        }
        if (!holding) {
            return false;
        }
        boolean again = wrong;
        if (!wrong) {
            held.sort(Comparator.comparingLong(StatusEvent::seq));
            for (Iterator<StatusEvent> it = held.iterator(); it.hasNext() && !again; ) {
                StatusEvent event = it.next();
                if (event.seq() > seq + 1) {
                    again = true; // a gap after the list: keep the rest for the next one
                } else {
                    it.remove();
                    again = event.seq() == seq + 1 && !applyNext(event);
                }
            }
        }
        holding = again;
        return again;
    }

    private boolean applyNext(StatusEvent event) {
        seq = event.seq();
        if (follower.apply(event)) {
            return true;
        }
        holding = true;
        wrong = true;
        return false;
    }

    private void hold(StatusEvent event) {
        if (held.size() >= MAX_HELD) {
            held.remove(0);
        }
        held.add(event);
    }
}
