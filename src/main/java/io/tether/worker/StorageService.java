package io.tether.worker;

import io.tether.api.Command;
import io.tether.api.ErrorCode;
import io.tether.api.RequestHandler;
import io.tether.api.Results;
import io.tether.api.RpcError;
import io.tether.api.StatusEvent;
import io.tether.connection.ConnectionKey;
import io.tether.connection.HostConnection;
import io.tether.connection.ManagedCid;
import io.tether.connection.Observation;
import io.tether.connection.Registry;
import io.tether.connection.StorageUri;
import io.tether.connector.ActiveConnections;
import io.tether.connection.ConnectionState;
import io.tether.monitor.ConnectionTable;
import io.tether.store.Store;
import io.tether.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's state and the only code that changes it: runs the commands of the wire contract
 * against the {@link Registry} and the {@link Store}, records what connectors observe, and writes a
 * status event for every change in the same transaction as the change. One lock (this object)
 * orders all of it, so the list's {@code seq} always matches the events before it.
 */
public final class StorageService implements RequestHandler.Executor, ConnectionTable {
    private static final Logger log = LoggerFactory.getLogger(StorageService.class);

    private final String hostId;
    private final Store store;
    private final Clock clock;
    private final Registry registry = new Registry();
    private final Runnable eventsWritten;
    private final ActiveConnections active;
    private Consumer<ConnectionKey> reconcile = key -> { };
    private long seq;

    /**
     * @param eventsWritten called after a commit that wrote events, to wake the publisher
     */
    public StorageService(String hostId, Store store, Clock clock, ActiveConnections active, Runnable eventsWritten) {
        this.hostId = hostId;
        this.active = active;
        this.store = store;
        this.clock = clock;
        this.eventsWritten = eventsWritten;
    }

    /** Loads every managed CID from the store; each connection starts CONNECTING. Returns their keys. */
    public synchronized Set<ConnectionKey> load() {
        seq = store.lastSeq();
        Instant now = clock.instant();
        Set<ConnectionKey> keys = new LinkedHashSet<>();
        for (ManagedCid managed : store.loadCids()) {
            registry.add(managed, now);
            keys.add(managed.key());
        }
        log.info("loaded {} managed CIDs on {} connections; event seq is {}", registry.size(), keys.size(), seq);
        return keys;
    }

    /** Where to send keys that need reconciling after a change. */
    public void onReconcile(Consumer<ConnectionKey> reconcile) {
        this.reconcile = reconcile;
    }

    @Override
    public Optional<String> recordedReply(String requestId) {
        try {
            return store.findReply(requestId).map(reply -> reply.body() == null ? null : reply.body());
        } catch (StoreException e) {
            log.warn("request log unreadable, handling request {} as new: {}", requestId, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public List<String> executeAll(List<RequestHandler.Job> jobs) {
        Set<ConnectionKey> touched = new LinkedHashSet<>();
        List<String> replies = new ArrayList<>(jobs.size());
        synchronized (this) {
            boolean changes = jobs.stream().anyMatch(j -> j.commands().stream().anyMatch(Command::changesState));
            if (!changes) {
                UnitOfWork readOnly = new UnitOfWork(null);
                for (RequestHandler.Job job : jobs) {
                    replies.add(job.render().apply(job.commands().stream().map(c -> run(c, readOnly)).toList()));
                }
                return replies;
            }
            // Every message of the batch in one transaction: one commit (and one write to disk)
            // however many requests arrived together.
            try (Store.Transaction tx = store.begin()) {
                UnitOfWork work = new UnitOfWork(tx);
                try {
                    for (RequestHandler.Job job : jobs) {
                        List<Object> results = new ArrayList<>();
                        for (Command command : job.commands()) {
                            results.add(run(command, work));
                        }
                        String reply = job.render().apply(results);
                        if (job.requestId() != null) {
                            tx.recordReply(job.requestId(), reply);
                        }
                        replies.add(reply);
                    }
                    work.writeEvents();
                    tx.commit();
                } catch (StoreException e) {
                    work.undo();
                    log.error("{} request(s) not made durable, nothing changed: {}", jobs.size(), e.getMessage());
                    RpcError unavailable = new RpcError(ErrorCode.STORE_UNAVAILABLE,
                            "the worker could not record the change durably (" + e.getMessage()
                                    + "); nothing was changed, retry later");
                    replies.clear();
                    UnitOfWork readOnly = new UnitOfWork(null);
                    for (RequestHandler.Job job : jobs) {
                        replies.add(job.render().apply(job.commands().stream()
                                .map(c -> c.changesState() ? unavailable : run(c, readOnly))
                                .toList()));
                    }
                    return replies;
                }
                seq = work.seq;
                touched.addAll(work.touched);
                if (!work.events.isEmpty()) {
                    eventsWritten.run();
                }
            }
        }
        touched.forEach(reconcile);
        return replies;
    }

    private Object run(Command command, UnitOfWork work) {
        try {
            if (command instanceof Command.Manage m) {
                return manage(m, work);
            }
            if (command instanceof Command.Unmanage u) {
                return unmanage(u, work);
            }
            return list((Command.GetList) command, work);
        } catch (RpcError e) {
            return e;
        }
    }

    private Results.Managed manage(Command.Manage command, UnitOfWork work) throws RpcError {
        String cid = command.connectionId();
        ConnectionKey key = command.uri().key();
        Optional<ManagedCid> existing = registry.cid(cid);
        if (existing.isPresent()) {
            if (existing.get().uri().equals(command.uri())) {
                return new Results.Managed(cid, key.value(), true);
            }
            throw new RpcError(ErrorCode.CID_IN_USE, "connection ID \"" + cid
                    + "\" is already managed with another URI (" + existing.get().uri()
                    + "); unmanage it first or choose another ID");
        }
        HostConnection connection = registry.connection(key);
        if (connection != null && !connection.cids().isEmpty() && !connection.uri().sameSettingsAs(command.uri())) {
            throw new RpcError(ErrorCode.OPTIONS_CONFLICT, "connection " + key
                    + " is already managed with other options or credentials (" + connection.uri()
                    + "); one host connection has one set of options: use the same options")
                    .with("connectionKey", key.value());
        }
        ManagedCid managed = new ManagedCid(cid, command.uri(), clock.instant());
        work.tx.insertCid(managed);
        boolean isNew = connection == null;
        // The key's desired state changes only when its first CID arrives; a CID joining a
        // connection that is up changes nothing the reconciler looks at (its probe stays planned).
        boolean wake = isNew || connection.cids().isEmpty() || connection.state() != ConnectionState.CONNECTED;
        StorageUri previousSettings = isNew ? null : connection.uri();
        connection = registry.add(managed, clock.instant());
        work.undo.add(() -> {
            registry.remove(cid);
            if (isNew) {
                registry.forget(key);
            } else {
                registry.restoreSettings(key, previousSettings);
            }
        });
        log.info("cid={} key={} managed ({})", cid, key, command.uri());
        work.event(connection, StatusEvent.Change.MANAGED, List.of(cid));
        if (wake) {
            work.touched.add(key);
        }
        return new Results.Managed(cid, key.value(), false);
    }

    private Results.Unmanaged unmanage(Command.Unmanage command, UnitOfWork work) throws RpcError {
        List<ManagedCid> targets;
        if (command.connectionId() != null) {
            ManagedCid managed = registry.cid(command.connectionId()).orElseThrow(() -> new RpcError(
                    ErrorCode.CID_NOT_FOUND, "connection ID \"" + command.connectionId()
                    + "\" is not managed on host " + hostId));
            targets = List.of(managed);
        } else {
            targets = List.copyOf(registry.withPrefix(command.connectionIdPrefix()));
        }
        Map<ConnectionKey, List<String>> byConnection = new LinkedHashMap<>();
        for (ManagedCid managed : targets) {
            work.tx.deleteCid(managed.cid());
            registry.remove(managed.cid());
            work.undo.add(() -> registry.add(managed, managed.managedAt()));
            byConnection.computeIfAbsent(managed.key(), k -> new ArrayList<>()).add(managed.cid());
            log.info("cid={} key={} unmanaged", managed.cid(), managed.key());
        }
        List<String> disconnecting = new ArrayList<>();
        byConnection.forEach((key, cids) -> {
            HostConnection connection = registry.connection(key);
            work.event(connection, StatusEvent.Change.UNMANAGED, cids);
            if (connection.cids().isEmpty()) {
                // The last CID left: the key is no longer wanted, the reconciler disconnects it.
                disconnecting.add(key.value());
                work.touched.add(key);
            }
        });
        return new Results.Unmanaged(targets.stream().map(ManagedCid::cid).toList(), disconnecting);
    }

    private Results.StorageServerList list(Command.GetList command, UnitOfWork work) {
        work.seal();
        // Sized up front: growing a map of 10,000 CIDs rehashes it a dozen times.
        Map<String, Results.Entry> entries = new LinkedHashMap<>(command.connectionIdPrefix() == null ? registry.size() * 4 / 3 + 16 : 16);
        // CIDs of one connection share their URI object (Registry.add), and so one entry: built once
        // per connection, not once per CID (the key and info are computed from the URI each time).
        Map<StorageUri, Results.Entry> shared = new java.util.IdentityHashMap<>();
        for (ManagedCid managed : registry.withPrefix(command.connectionIdPrefix())) {
            Results.Entry entry = shared.computeIfAbsent(managed.uri(),
                    uri -> entry(registry.connection(uri.key()), true, uri.connectionInfo()));
            entries.put(managed.cid(), entry);
        }
        if (command.connectionIdPrefix() == null) {
            // Connections no CID holds: being disconnected, left active by a failed disconnect,
            // or made on the host by someone else.
            int n = 0;
            TreeMap<ConnectionKey, HostConnection> orphans = new TreeMap<>();
            registry.orphans().forEach(c -> orphans.put(c.key(), c));
            for (HostConnection orphan : orphans.values()) {
                entries.put("unmanaged-" + (++n), entry(orphan, false, orphan.uri().connectionInfo()));
            }
            for (ActiveConnections.Active found : active.scan()) {
                if (registry.connection(found.key()) == null) {
                    entries.put("unmanaged-" + (++n), new Results.Entry(false, true, ConnectionState.CONNECTED.name(),
                            found.key().value(), null, null, found.info()));
                }
            }
        }
        return new Results.StorageServerList(work.seq, entries);
    }

    private static Results.Entry entry(HostConnection c, boolean managed, Map<String, Object> info) {
        return new Results.Entry(managed, c.state() == ConnectionState.CONNECTED,
                c.state().name(), c.key().value(), c.since(), c.lastError(), info);
    }

    @Override
    public synchronized Optional<Target> target(ConnectionKey key) {
        HostConnection connection = registry.connection(key);
        if (connection == null) {
            return Optional.empty();
        }
        return Optional.of(new Target(connection.uri(), !connection.cids().isEmpty(), connection.state()));
    }

    @Override
    public void observe(ConnectionKey key, Observation observation) {
        synchronized (this) {
            HostConnection connection = registry.connection(key);
            if (connection == null) {
                return;
            }
            boolean orphan = connection.cids().isEmpty();
            if (orphan != (observation.kind() == Observation.Kind.RELEASED
                    || observation.kind() == Observation.Kind.RELEASE_FAILED)) {
                // The CIDs changed while the connector worked; a newer reconcile is already queued.
                return;
            }
            boolean changed = connection.observe(observation, clock.instant());
            if (observation.kind() == Observation.Kind.RELEASED) {
                registry.forget(key);
                log.info("key={} disconnected", key);
            } else if (observation.error() != null) {
                log.warn("key={} {}: {} ({})", key, connection.state(), observation.error().message(),
                        observation.error().name());
            } else if (changed) {
                log.info("key={} {}", key, connection.state());
            }
            if (!changed) {
                return;
            }
            try (Store.Transaction tx = store.begin()) {
                UnitOfWork work = new UnitOfWork(tx);
                work.event(connection, StatusEvent.Change.STATE, List.of());
                work.writeEvents();
                tx.commit();
                seq = work.seq;
            } catch (StoreException e) {
                log.error("key={} state {} not recorded as an event: {}", key, connection.state(), e.getMessage());
                return;
            }
        }
        eventsWritten.run();
    }

    /** The changes of one transaction: events to write, keys to reconcile, and how to undo memory. */
    private final class UnitOfWork {
        final Store.Transaction tx;
        final List<Runnable> undo = new ArrayList<>();
        final List<StatusEvent> events = new ArrayList<>();
        final Set<ConnectionKey> touched = new LinkedHashSet<>();
        /** Per connection, the event that further changes of the same kind join. */
        final Map<ConnectionKey, OpenEvent> open = new LinkedHashMap<>();
        long seq = StorageService.this.seq;

        UnitOfWork(Store.Transaction tx) {
            this.tx = tx;
        }

        /**
         * Records a change. Changes of one kind to one connection in one transaction (a burst of
         * manages on one export, say) make one event listing them all in changedIds: an event
         * carries every CID of its connection, so one per change would cost the square of the burst.
         */
        void event(HostConnection c, StatusEvent.Change change, List<String> changedIds) {
            OpenEvent current = open.get(c.key());
            if (current != null && current.change == change && change != StatusEvent.Change.STATE) {
                current.changedIds.addAll(changedIds);
                return;
            }
            if (current != null) {
                events.add(current.snapshot());
            }
            open.put(c.key(), new OpenEvent(c, change, ++seq, changedIds));
        }

        /** Closes every open event, so that what a list reports at seq N is in events up to N. */
        void seal() {
            open.values().forEach(e -> events.add(e.snapshot()));
            open.clear();
        }

        void writeEvents() {
            seal();
            events.sort(java.util.Comparator.comparingLong(StatusEvent::seq));
            for (StatusEvent e : events) {
                tx.appendEvent(e.seq(), e.toNotification());
            }
        }

        void undo() {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
        }
    }

    /** An event still taking changes; its CIDs and state are read when it is closed. */
    private final class OpenEvent {
        final HostConnection connection;
        final StatusEvent.Change change;
        final long seq;
        final Instant at = clock.instant();
        final List<String> changedIds;

        OpenEvent(HostConnection connection, StatusEvent.Change change, long seq, List<String> changedIds) {
            this.connection = connection;
            this.change = change;
            this.seq = seq;
            this.changedIds = new ArrayList<>(changedIds);
        }

        StatusEvent snapshot() {
            HostConnection now = registry.connection(connection.key());
            HostConnection c = now != null ? now : connection;
            return new StatusEvent(hostId, seq, at, c.key().value(), List.copyOf(c.cids()), List.copyOf(changedIds),
                    c.state().name(), c.state() == ConnectionState.CONNECTED, c.lastError(),
                    c.uri().connectionInfo(), change.name());
        }
    }
}
