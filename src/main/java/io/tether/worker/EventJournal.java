package io.tether.worker;

import io.tether.api.StatusEvent;
import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.HostConnection;
import io.tether.connection.Registry;
import io.tether.connection.StrandedCid;
import io.tether.store.Commit;
import io.tether.store.OutboxEvent;
import io.tether.store.RowChange;
import io.tether.store.Store;
import io.tether.uri.ConnectionKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's status events before they are durable: hands out seqs, gathers the changes of the
 * batch in progress into events, and commits them to the {@link Store} with those changes, in one
 * call, so a change and its event are durable together or not at all. Changes of one
 * kind to one connection in a row (a burst of manages on one export, say) make one event listing
 * them all in changedIds, up to what one event may name ({@link StatusEvent#MAX_CHANGED_ID_BYTES}).
 * An event reads its connection's CID count and state when it is closed, so it tells the
 * connection as its changes left it. Used under the {@link StorageService}'s lock only.
 */
final class EventJournal {
    private final String hostId;
    private final Clock clock;
    private final Registry registry;
    private final Store store;
    /** The last seq committed. */
    private long seq;
    /** The last seq handed out in the batch in progress. */
    private long batchSeq;
    /** The batch's closed events, to write on its commit. */
    private final List<StatusEvent> events = new ArrayList<>();
    /** Per connection, the event that further changes of the same kind join. */
    private final Map<ConnectionKey, OpenEvent> open = new LinkedHashMap<>();

    EventJournal(String hostId, Clock clock, Registry registry, Store store) {
        this.hostId = hostId;
        this.clock = clock;
        this.registry = registry;
        this.store = store;
    }

    /** Continues after {@code lastSeq}, the highest seq the store ever handed out. */
    void continueAfter(long lastSeq) {
        seq = lastSeq;
        batchSeq = lastSeq;
    }

    /** The last seq committed: every event up to it is durable. */
    long seq() {
        return seq;
    }

    /**
     * The seq a list page reports: every event up to it tells what the page shows. Closes the open
     * events, whose counts and states the page must match.
     */
    long listSeq() {
        seal();
        return batchSeq;
    }

    /**
     * Records a change of connection {@code key}'s CIDs {@code changedIds}, called just before the
     * registry makes it: an open event of another kind on the connection closes first, reading
     * the connection as its own changes left it, and the change's event reads it when it closes.
     *
     * @param connection the connection as it is, or null when this change creates it
     * @param counted    whether the CIDs are (or were) the connection's own: false for a stranded CID
     */
    void change(ConnectionKey key, HostConnection connection, StatusEvent.Change change, List<String> changedIds,
            boolean counted) {
        OpenEvent current = open.get(key);
        if (current == null || current.change != change || change == StatusEvent.Change.STATE) {
            closeOther(key, change);
            current = new OpenEvent(key, connection, change, ++batchSeq);
            open.put(key, current);
        }
        for (int i = 0; i < changedIds.size(); i++) {
            String cid = changedIds.get(i);
            if (!current.fits(cid)) {
                // Full, and closed before the rest of this change is in events: its count is the
                // connection's with the CIDs of this change before it (the registry has none yet).
                int done = counted ? i : 0;
                events.add(current.snapshot(change == StatusEvent.Change.MANAGED ? done : -done));
                current = new OpenEvent(key, connection, change, ++batchSeq);
                open.put(key, current);
            }
            current.add(cid);
        }
    }

    /** Closes the connection's open event before a change of another kind. */
    private void closeOther(ConnectionKey key, StatusEvent.Change change) {
        OpenEvent current = open.get(key);
        if (current != null && (current.change != change || change == StatusEvent.Change.STATE)) {
            events.add(current.snapshot(0));
            open.remove(key);
        }
    }

    /**
     * The event of a stranded CID unmanaged while no connection has its key: no open event can
     * take it, and no served CID has its key, so its count is 0.
     */
    void strandedUnmanaged(StrandedCid stranded) {
        events.add(new StatusEvent(hostId, ++batchSeq, clock.instant(), stranded.connectionKey(), 0,
                List.of(stranded.cid()), ConnectionState.DISCONNECTED.name(), false, stranded.error(),
                Health.notConnected(), ListQuery.strandedInfo(stranded), StatusEvent.Change.UNMANAGED.name()));
    }

    /**
     * Commits the batch: its rows' changes, its events in seq order, and the replies, in one
     * store commit. The next batch's events start afresh, whether this commit worked or not.
     *
     * @throws io.tether.store.StoreException nothing was made durable; the batch's seqs are not handed out
     */
    Committed commitBatch(List<RowChange> rows, List<Commit.LoggedReply> replies) {
        try {
            seal();
            events.sort(Comparator.comparingLong(StatusEvent::seq));
            List<OutboxEvent> outbox = new ArrayList<>(events.size());
            for (StatusEvent e : events) {
                outbox.add(outboxed(e));
            }
            store.commit(new Commit(rows, outbox, replies));
            seq = batchSeq;
            return new Committed(seq, !outbox.isEmpty());
        } finally {
            discard();
        }
    }

    /**
     * What a batch's commit made durable.
     *
     * @param lastSeq     the last seq committed, for the meters
     * @param wroteEvents whether the batch wrote events, for the publisher to be woken
     */
    record Committed(long lastSeq, boolean wroteEvents) {
    }

    /** Lets go of the events of a batch not committed: their seqs are handed out again. */
    void discard() {
        batchSeq = seq;
        events.clear();
        open.clear();
    }

    /**
     * Commits a change a connector observed: its event, when it has one ({@code change} not null),
     * numbered next, with {@code rows}' changes. Returns the last seq committed.
     *
     * @throws io.tether.store.StoreException nothing was made durable, and no seq handed out
     */
    long commitObserved(HostConnection connection, StatusEvent.Change change, List<RowChange> rows) {
        if (change == null) {
            store.commit(new Commit(rows, List.of(), List.of()));
            return seq;
        }
        StatusEvent event = event(connection, change, seq + 1, clock.instant(), List.of(), 0);
        store.commit(new Commit(rows, List.of(outboxed(event)), List.of()));
        seq = event.seq();
        batchSeq = seq;
        return seq;
    }

    /** An event as the outbox keeps it, with the params its message properties repeat. */
    private static OutboxEvent outboxed(StatusEvent event) {
        return new OutboxEvent(event.seq(), event.toNotification(), event.state(), event.change());
    }

    /** Closes every open event. */
    private void seal() {
        open.values().forEach(e -> events.add(e.snapshot(0)));
        open.clear();
    }

    /** An event still taking changes; its CID count and state are read when it is closed. */
    private final class OpenEvent {
        final ConnectionKey key;
        /** The connection when the event opened, or null if a change of it was to create it. */
        final HostConnection connection;
        final StatusEvent.Change change;
        final long seq;
        final Instant at = clock.instant();
        final List<String> changedIds = new ArrayList<>();
        private int changedIdBytes;

        OpenEvent(ConnectionKey key, HostConnection connection, StatusEvent.Change change, long seq) {
            this.key = key;
            this.connection = connection;
            this.change = change;
            this.seq = seq;
        }

        /** Whether {@code cid} can join it; the first CID always can. */
        boolean fits(String cid) {
            return changedIds.isEmpty() || changedIdBytes + StatusEvent.changedIdBytes(cid) <= StatusEvent.MAX_CHANGED_ID_BYTES;
        }

        void add(String cid) {
            changedIds.add(cid);
            changedIdBytes += StatusEvent.changedIdBytes(cid);
        }

        /** @param countAdjustment added to the connection's CID count as it is now */
        StatusEvent snapshot(int countAdjustment) {
            HostConnection now = registry.connection(key);
            return event(now != null ? now : connection, change, seq, at, List.copyOf(changedIds), countAdjustment);
        }
    }

    /** The event of {@code c} as it is now; {@code countAdjustment} is added to its CID count. */
    private StatusEvent event(HostConnection c, StatusEvent.Change change, long seq, Instant at, List<String> changedIds,
            int countAdjustment) {
        return new StatusEvent(hostId, seq, at, c.key().value(), c.cids().size() + countAdjustment, changedIds,
                c.state().name(), c.state() == ConnectionState.CONNECTED, c.lastError(), c.health(), c.connectionInfo(),
                change.name());
    }
}
