package io.tether.worker;

import io.tether.api.ErrorCode;
import io.tether.api.RpcError;
import io.tether.api.StatusEvent;
import io.tether.connection.HostConnection;
import io.tether.connection.LastError;
import io.tether.connection.ManagedCid;
import io.tether.connection.Observation;
import io.tether.connection.Registry;
import io.tether.connection.Retry;
import io.tether.connection.StrandedCid;
import io.tether.connector.ActiveConnections;
import io.tether.logging.LogFields;
import io.tether.metrics.Meters;
import io.tether.monitor.ConnectionTable;
import io.tether.store.RowChange;
import io.tether.store.Store;
import io.tether.store.StoreException;
import io.tether.store.StoredCids;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's state: the {@link Registry} of managed CIDs and their connections, loaded from the
 * {@link Store} and changed only under this service's lock, which orders every change with its
 * event, so a list's {@code seq} always matches the events before it.
 *
 * <p>Requests change it in a {@link Batch}: {@code begin()}, {@code run} each action, {@code commit()},
 * {@code close()}; then the batch's {@link Batch#changed()} keys go to the reconciler. The connectors'
 * observations come in through {@link ConnectionTable#observe}, each applied with its event in one
 * commit, or not at all. The {@link EventJournal} numbers the events and commits them with their
 * changes, the {@link ListQuery} answers the list, and {@link HostMeters} tells the metrics. The
 * service never calls the reconciler itself: the reconciler reads it through {@link ConnectionTable}.
 */
public final class StorageService implements ConnectionTable {
    private static final Logger log = LoggerFactory.getLogger(StorageService.class);

    private final Store store;
    private final Clock clock;
    private final Registry registry = new Registry();
    private final EventJournal journal;
    /** Called after a commit that wrote events, outside the lock. */
    private final Runnable eventsWritten;
    private final ReentrantLock lock = new ReentrantLock();
    private final HostMeters meters;
    /** What each batch is given, so it never calls back into the service. */
    private final Batch.Host parts;

    /**
     * @param active        finds connections on the host that no CID holds, for the list
     * @param eventsWritten called after a commit that wrote events, to wake the publisher
     */
    public StorageService(String hostId, Store store, Clock clock, ActiveConnections active, Runnable eventsWritten) {
        this(hostId, store, clock, active, eventsWritten, Meters.HostState.NONE);
    }

    /** @param meters told each committed change, for the metrics a scrape reads without this lock */
    public StorageService(String hostId, Store store, Clock clock, ActiveConnections active, Runnable eventsWritten,
            Meters.HostState meters) {
        this.store = store;
        this.clock = clock;
        this.eventsWritten = eventsWritten;
        this.meters = new HostMeters(meters, registry);
        this.journal = new EventJournal(hostId, clock, registry, store);
        this.parts = new Batch.Host(hostId, clock, registry, journal, new ListQuery(registry, active), this.meters, lock,
                eventsWritten);
    }

    /**
     * Loads every managed CID from the store; each connection starts CONNECTING. Returns their keys.
     * A stored CID the current rules cannot serve is kept stranded ({@link StrandedCid}): one whose
     * URI they refuse, or one that names the connection of an earlier CID with other settings (two
     * spellings of one server that are one key now): the earlier CID keeps the connection, and
     * neither CID's settings are changed behind its engine's back.
     */
    public Set<ConnectionKey> load() {
        lock.lock();
        try {
            journal.continueAfter(store.lastSeq());
            Instant now = clock.instant();
            Set<ConnectionKey> keys = new LinkedHashSet<>();
            StoredCids stored = store.loadCids();
            for (ManagedCid managed : stored.managed()) {
                HostConnection connection = registry.connection(managed.key());
                if (connection != null && !connection.uri().sameSettingsAs(managed.uri())) {
                    String holder = connection.cids().first();
                    strand(new StrandedCid(managed.cid(), managed.key().value(), managed.managedAt(), new LastError(
                            ErrorCode.OPTIONS_CONFLICT.code(), ErrorCode.OPTIONS_CONFLICT.name(), "stored with other options"
                            + " or credentials than CID \"" + holder + "\", which holds this connection: this version"
                            + " writes both URIs as one connection, which has one set of options. Unmanage this CID, or"
                            + " manage it again with the options of \"" + holder + "\"", now)));
                    continue;
                }
                registry.add(managed, now);
                keys.add(managed.key());
            }
            for (StorageUri pending : store.pendingDisconnects()) {
                HostConnection connection = registry.connection(pending.key());
                if (connection == null || connection.cids().isEmpty()) {
                    // The engine was told this connection goes: it still does.
                    registry.addUnheld(pending, now);
                    keys.add(pending.key());
                    log.info("key={} still to be disconnected: its last CID was unmanaged before the worker stopped", pending.key());
                }
            }
            store.lastSeen().forEach((key, seen) -> {
                if (keys.contains(key)) {
                    registry.connection(key).lastSeen(seen);
                }
            });
            for (StoredCids.UnreadableRow row : stored.unreadable()) {
                strand(new StrandedCid(row.cid(), row.connectionKey(), row.managedAt(), new LastError(
                        ErrorCode.UNSUPPORTED_URI.code(), ErrorCode.UNSUPPORTED_URI.name(), "the stored URI is refused by"
                        + " this version (" + row.reason() + "): nothing is connected for this CID. Unmanage it, or"
                        + " manage it again with a URI this version takes", now)));
            }
            meters.committed(keys, journal.seq());
            log.info("loaded {} managed CIDs on {} connections; event seq is {}", registry.size(), keys.size(), journal.seq());
            return keys;
        } finally {
            lock.unlock();
        }
    }

    private void strand(StrandedCid cid) {
        registry.strand(cid);
        try (LogFields ids = LogFields.of(cid.cid(), cid.connectionKey())) {
            log.warn("cid={} key={} kept managed but not served: {}", cid.cid(), cid.connectionKey(), cid.error().message());
        }
    }

    /** Starts a unit of work. It holds the service's lock until closed: keep it short. */
    public Batch begin() {
        return begin(new ListBudget());
    }

    /** Starts a unit of work whose list pages draw on {@code budget} (shared by whatever else it is given to). */
    public Batch begin(ListBudget budget) {
        return new Batch(parts, null, budget);
    }

    /**
     * Starts a unit of work that answers every change with {@code refusal} and runs only reads: for
     * a batch whose changes could not be made durable.
     */
    public Batch beginRefusingChanges(RpcError refusal, ListBudget budget) {
        return new Batch(parts, refusal, budget);
    }

    @Override
    public Optional<Desired> target(ConnectionKey key) {
        lock.lock();
        try {
            HostConnection connection = registry.connection(key);
            if (connection == null) {
                return Optional.empty();
            }
            return Optional.of(new Desired(connection.uri(), !connection.cids().isEmpty(), connection.state()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void planned(ConnectionKey key, Retry retry) {
        lock.lock();
        try {
            HostConnection connection = registry.connection(key);
            if (connection != null) {
                connection.retry(retry);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean observe(ConnectionKey key, Observation observation) {
        Recorded recorded;
        lock.lock();
        try (LogFields ids = LogFields.key(key)) {
            recorded = record(key, observation);
        } finally {
            lock.unlock();
        }
        if (recorded == Recorded.EVENT) {
            eventsWritten.run();
        }
        return recorded != Recorded.REFUSED;
    }

    /** What recording an observation did. */
    private enum Recorded {
        /** Applied, with its event written. */
        EVENT,
        /** Nothing changed that an event tells, or the observation no longer applies. */
        NOTHING,
        /** Its event could not be written, so it was not applied. */
        REFUSED
    }

    /**
     * Applies an observation under the lock, with its event in one commit, or not at all; then
     * tells the meters the connection as it left it.
     */
    private Recorded record(ConnectionKey key, Observation observation) {
        HostConnection connection = registry.connection(key);
        boolean orphan = connection != null && connection.cids().isEmpty();
        if (connection == null || orphan != (observation.kind() == Observation.Kind.RELEASED
                || observation.kind() == Observation.Kind.RELEASE_FAILED)) {
            // Gone, or its CIDs changed while the connector worked: a newer reconcile is already queued.
            meters.connection(key);
            return Recorded.NOTHING;
        }
        HostConnection.Observed before = connection.observed();
        HostConnection.Effect change = connection.apply(observation, clock.instant());
        boolean released = observation.kind() == Observation.Kind.RELEASED;
        if (change == HostConnection.Effect.NONE && !released) {
            logObserved(key, connection, observation, change);
            meters.connection(key);
            return Recorded.NOTHING;
        }
        StatusEvent.Change kind = change == HostConnection.Effect.STATE ? StatusEvent.Change.STATE : StatusEvent.Change.HEALTH;
        List<RowChange> rows = released ? List.of(new RowChange.RemovePendingDisconnect(key))
                : change == HostConnection.Effect.STATE ? List.of(new RowChange.RecordState(key, connection.state(), connection.since()))
                : List.of();
        long seq;
        try {
            seq = journal.commitObserved(connection, change == HostConnection.Effect.NONE ? null : kind, rows);
        } catch (StoreException e) {
            String observed = connection.state().name();
            // Not applied either: the list must never show a change its events lack. The
            // connector's next look at this connection observes it again, and records it then.
            connection.restore(before);
            log.error("key={} {} not recorded, so not applied; the next look tries again: {}",
                    key, released ? "disconnect" : kind + " " + observed, e.getMessage());
            meters.connection(key);
            return Recorded.REFUSED;
        }
        if (released) {
            registry.forget(key);
        }
        logObserved(key, connection, observation, change);
        meters.committed(key, seq);
        return change != HostConnection.Effect.NONE ? Recorded.EVENT : Recorded.NOTHING;
    }

    private static void logObserved(ConnectionKey key, HostConnection connection, Observation observation,
            HostConnection.Effect change) {
        if (observation.kind() == Observation.Kind.RELEASED) {
            log.info("key={} disconnected", key);
        } else if (observation.error() != null) {
            log.warn("key={} {}: {} ({})", key, connection.state(), observation.error().message(),
                    observation.error().name());
        } else if (change == HostConnection.Effect.STATE) {
            log.info("key={} {}", key, connection.state());
        }
        if (change == HostConnection.Effect.HEALTH) {
            log.info("key={} health {} {}", key, connection.health().status(), connection.health().reasons());
        }
    }
}
