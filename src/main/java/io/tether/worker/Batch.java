package io.tether.worker;

import io.tether.api.Action;
import io.tether.api.ErrorCode;
import io.tether.api.Outcome;
import io.tether.api.Reply;
import io.tether.api.Results;
import io.tether.api.RpcError;
import io.tether.api.StatusEvent;
import io.tether.connection.ConnectionState;
import io.tether.connection.HostConnection;
import io.tether.connection.ManagedCid;
import io.tether.connection.Registry;
import io.tether.connection.StrandedCid;
import io.tether.logging.LogFields;
import io.tether.store.Commit;
import io.tether.store.RowChange;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Actions run together and committed as one transaction, with their events and the replies they
 * are given: one commit (and one write to disk) however many requests arrived together. It holds
 * the {@link StorageService}'s lock from {@link StorageService#begin} until {@link #close()}: keep
 * it short. Its actions change the registry at once and gather their rows' changes; the store is
 * entered once, at {@link #commit()}, through the {@link EventJournal}, which adds the events.
 * Closing without {@link #commit()} undoes every change in memory (the store never had them).
 */
public final class Batch implements AutoCloseable {
    // Under the service's name: operators filter the host state's changes by it, whichever class makes them.
    private static final Logger log = LoggerFactory.getLogger(StorageService.class);

    /**
     * The host's parts a batch works with, given at its start so that it never calls back into the
     * service that made it.
     *
     * @param eventsWritten called after a commit that wrote events, outside the lock, to wake the publisher
     */
    record Host(String hostId, Clock clock, Registry registry, EventJournal journal, ListQuery list,
            HostMeters meters, ReentrantLock lock, Runnable eventsWritten) {
    }

    private final Host host;
    private final Registry registry;
    private final EventJournal journal;
    private final RpcError refusal;
    private final ListBudget budget;
    /** Whether an action that changes state ran: a batch of reads commits nothing. */
    private boolean changing;
    private final List<RowChange> rows = new ArrayList<>();
    private final List<Commit.LoggedReply> replies = new ArrayList<>();
    private final List<Runnable> undo = new ArrayList<>();
    /** Connections whose desired state (their CIDs) this batch changed. */
    private final Set<ConnectionKey> changed = new LinkedHashSet<>();
    /** Connections whose CIDs this batch changed (a superset of {@link #changed}): the meters' CID counts. */
    private final Set<ConnectionKey> held = new LinkedHashSet<>();
    private boolean committed;
    private boolean eventsWritten;

    /** @param refusal the answer to every change, for a batch whose changes could not be made durable; or null */
    Batch(Host host, RpcError refusal, ListBudget budget) {
        this.host = host;
        this.registry = host.registry();
        this.journal = host.journal();
        this.refusal = refusal;
        this.budget = budget;
        host.lock().lock();
    }

    /** Runs one action; a store failure is thrown (the batch is then to be closed uncommitted). */
    public Outcome run(Action action) {
        try {
            if (action.changesState() && refusal != null) {
                return refusal;
            }
            if (action.changesState()) {
                changing = true;
            }
            if (action instanceof Action.Manage m) {
                return manage(m);
            }
            if (action instanceof Action.Unmanage u) {
                return unmanage(u);
            }
            return host.list().page((Action.GetList) action, budget, journal.listSeq());
        } catch (RpcError e) {
            return e;
        }
    }

    /**
     * Records the reply to request {@code requestId} in this batch's commit, so a redelivery of it
     * is answered, not run again. A batch that has run no change records none: its requests
     * changed nothing, and are safe to run again.
     */
    public void recordReply(String requestId, Reply reply) {
        if (changing) {
            replies.add(new Commit.LoggedReply(requestId, reply));
        }
    }

    /**
     * Makes the batch's changes, their events and its replies durable, in one commit; then tells
     * the meters. {@link #close()} then wakes the event publisher.
     */
    public void commit() {
        if (!changing) {
            committed = true;
            return;
        }
        EventJournal.Committed done = journal.commitBatch(rows, replies);
        committed = true;
        eventsWritten = done.wroteEvents();
        host.meters().committed(held, done.lastSeq());
    }

    /** Connections whose desired state changed in a committed batch: the reconciler's work. */
    public List<ConnectionKey> changed() {
        return committed ? List.copyOf(changed) : List.of();
    }

    @Override
    public void close() {
        try {
            if (!committed) {
                journal.discard();
                for (int i = undo.size() - 1; i >= 0; i--) {
                    undo.get(i).run();
                }
            }
        } finally {
            host.lock().unlock();
        }
        // Woken outside the lock, as observe() does: the publisher takes a lock of its own.
        if (eventsWritten) {
            host.eventsWritten().run();
        }
    }

    private Results.Managed manage(Action.Manage command) throws RpcError {
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
        if (connection != null && !connection.uri().sameSettingsAs(command.uri())) {
            // A connection no CID holds is still up, with its settings, until its disconnect is
            // done: taking the new settings now would list what is not mounted.
            throw new RpcError(ErrorCode.OPTIONS_CONFLICT, "connection " + key
                    + (connection.cids().isEmpty() ? " is still being disconnected, with other options or credentials ("
                            + connection.uri() + "); manage it with these options once it is gone from the list"
                    : " is already managed with other options or credentials (" + connection.uri()
                            + "); one host connection has one set of options: use the same options"))
                    .with("connectionKey", key.value());
        }
        registry.stranded(cid).ifPresent(this::replaceStranded);
        ManagedCid managed = new ManagedCid(cid, command.uri(), host.clock().instant());
        rows.add(new RowChange.InsertCid(managed));
        if (connection != null && connection.cids().isEmpty()) {
            // Wanted again before its disconnect: no longer to be disconnected after a restart.
            rows.add(new RowChange.RemovePendingDisconnect(key));
        }
        boolean isNew = connection == null;
        // The key's desired state changes only when its first CID arrives; a CID joining a
        // connection that is up changes nothing the reconciler looks at (its probe stays planned).
        boolean wake = isNew || connection.cids().isEmpty() || connection.state() != ConnectionState.CONNECTED;
        StorageUri previousSettings = isNew ? null : connection.uri();
        journal.change(key, connection, StatusEvent.Change.MANAGED, List.of(cid), true);
        connection = registry.add(managed, host.clock().instant());
        undo.add(() -> {
            registry.remove(cid);
            if (isNew) {
                registry.forget(key);
            } else {
                registry.restoreSettings(key, previousSettings);
            }
        });
        try (LogFields ids = LogFields.of(cid, key)) {
            log.info("cid={} key={} managed ({})", cid, key, command.uri());
        }
        held.add(key);
        if (wake) {
            changed.add(key);
        }
        return new Results.Managed(cid, key.value(), false);
    }

    private Results.Unmanaged unmanage(Action.Unmanage command) throws RpcError {
        List<ManagedCid> targets;
        List<StrandedCid> strandedTargets;
        if (command.connectionId() != null) {
            Optional<StrandedCid> stranded = registry.stranded(command.connectionId());
            strandedTargets = stranded.map(List::of).orElse(List.of());
            targets = stranded.isPresent() ? List.of() : List.of(registry.cid(command.connectionId()).orElseThrow(
                    () -> new RpcError(ErrorCode.CID_NOT_FOUND, "connection ID \"" + command.connectionId()
                    + "\" is not managed on host " + host.hostId())));
        } else {
            targets = List.copyOf(registry.withPrefix(command.connectionIdPrefix()));
            strandedTargets = List.copyOf(registry.strandedWithPrefix(command.connectionIdPrefix()));
        }
        strandedTargets.forEach(this::unmanageStranded);
        Map<ConnectionKey, List<ManagedCid>> byConnection = new LinkedHashMap<>();
        for (ManagedCid managed : targets) {
            byConnection.computeIfAbsent(managed.key(), k -> new ArrayList<>()).add(managed);
        }
        List<String> disconnecting = new ArrayList<>();
        byConnection.forEach((key, cids) -> {
            HostConnection connection = registry.connection(key);
            journal.change(key, connection, StatusEvent.Change.UNMANAGED, cids.stream().map(ManagedCid::cid).toList(), true);
            held.add(key);
            for (ManagedCid managed : cids) {
                rows.add(new RowChange.DeleteCid(managed.cid()));
                registry.remove(managed.cid());
                undo.add(() -> registry.add(managed, managed.managedAt()));
                try (LogFields ids = LogFields.of(managed.cid(), key)) {
                    log.info("cid={} key={} unmanaged", managed.cid(), key);
                }
            }
            if (connection.cids().isEmpty()) {
                // The last CID left: the key is no longer wanted, the reconciler disconnects it,
                // after a restart too if the worker stops first.
                rows.add(new RowChange.AddPendingDisconnect(connection.uri()));
                disconnecting.add(key.value());
                changed.add(key);
            }
        });
        List<String> unmanaged = new ArrayList<>(targets.stream().map(ManagedCid::cid).toList());
        strandedTargets.forEach(stranded -> unmanaged.add(stranded.cid()));
        return new Results.Unmanaged(unmanaged, disconnecting);
    }

    /** A manage of a stranded CID replaces it: its row goes, and its key hears it leave. */
    private void replaceStranded(StrandedCid stranded) {
        unmanageStranded(stranded);
        try (LogFields ids = LogFields.of(stranded.cid(), stranded.connectionKey())) {
            log.info("cid={} key={} stranded CID replaced by a manage", stranded.cid(), stranded.connectionKey());
        }
    }

    private void unmanageStranded(StrandedCid stranded) {
        rows.add(new RowChange.DeleteCid(stranded.cid()));
        registry.unstrand(stranded.cid());
        undo.add(() -> registry.strand(stranded));
        try (LogFields ids = LogFields.of(stranded.cid(), stranded.connectionKey())) {
            log.info("cid={} key={} unmanaged (stranded)", stranded.cid(), stranded.connectionKey());
        }
        HostConnection live = registry.connection(new ConnectionKey(stranded.connectionKey()));
        if (live != null) {
            // Stranded beside the CID that holds its key (OPTIONS_CONFLICT): the event is that
            // connection's, with its CIDs and state, in order with the batch's other events on it.
            journal.change(live.key(), live, StatusEvent.Change.UNMANAGED, List.of(stranded.cid()), false);
            return;
        }
        journal.strandedUnmanaged(stranded);
    }
}
