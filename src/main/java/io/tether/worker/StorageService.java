package io.tether.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tether.api.Action;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.Outcome;
import io.tether.api.Results;
import io.tether.api.RpcError;
import io.tether.api.StatusEvent;
import io.tether.connection.ConnectionKey;
import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.HostConnection;
import io.tether.connection.LastError;
import io.tether.connection.ManagedCid;
import io.tether.connection.Observation;
import io.tether.connection.Registry;
import io.tether.connection.StorageUri;
import io.tether.connection.StrandedCid;
import io.tether.connector.ActiveConnections;
import io.tether.logging.LogFields;
import io.tether.metrics.Meters;
import io.tether.monitor.ConnectionTable;
import io.tether.store.Store;
import io.tether.store.StoreException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's state and the only code that changes it: runs {@link Action}s against the
 * {@link Registry} and the {@link Store}, records what connectors observe, and writes a status
 * event for every change in the transaction of the change. One lock orders all of it, so a list's
 * {@code seq} always matches the events before it.
 *
 * <p>Requests run in a {@link Batch}: {@code begin()}, {@code run} each action, {@code commit()},
 * {@code close()}; then the batch's {@link Batch#touched()} keys go to the reconciler. The service
 * never calls the reconciler itself: the reconciler reads it through {@link ConnectionTable}.
 */
public final class StorageService implements ConnectionTable {
    private static final Logger log = LoggerFactory.getLogger(StorageService.class);

    private final String hostId;
    private final Store store;
    private final Clock clock;
    private final Registry registry = new Registry();
    private final Runnable eventsWritten;
    private final ActiveConnections active;
    private final Meters.State meters;
    private final ReentrantLock lock = new ReentrantLock();
    private long seq;

    /**
     * @param active        finds connections on the host that no CID holds, for the list
     * @param eventsWritten called after a commit that wrote events, to wake the publisher
     */
    public StorageService(String hostId, Store store, Clock clock, ActiveConnections active, Runnable eventsWritten) {
        this(hostId, store, clock, active, eventsWritten, Meters.State.NONE);
    }

    /** @param meters told each committed change, for the metrics a scrape reads without this lock */
    public StorageService(String hostId, Store store, Clock clock, ActiveConnections active, Runnable eventsWritten,
            Meters.State meters) {
        this.hostId = hostId;
        this.active = active;
        this.store = store;
        this.clock = clock;
        this.eventsWritten = eventsWritten;
        this.meters = meters;
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
            seq = store.lastSeq();
            Instant now = clock.instant();
            Set<ConnectionKey> keys = new LinkedHashSet<>();
            Store.Stored stored = store.loadCids();
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
            for (Store.Unreadable row : stored.unreadable()) {
                strand(new StrandedCid(row.cid(), row.connectionKey(), row.managedAt(), new LastError(
                        ErrorCode.UNSUPPORTED_URI.code(), ErrorCode.UNSUPPORTED_URI.name(), "the stored URI is refused by"
                        + " this version (" + row.reason() + "): nothing is connected for this CID. Unmanage it, or"
                        + " manage it again with a URI this version takes", now)));
            }
            keys.forEach(this::tellMeters);
            tellMeters();
            log.info("loaded {} managed CIDs on {} connections; event seq is {}", registry.size(), keys.size(), seq);
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
        return new Batch(null, budget);
    }

    /**
     * Starts a unit of work that answers every change with {@code refusal} and runs only reads: for
     * a batch whose changes could not be made durable.
     */
    public Batch beginRefusingChanges(RpcError refusal, ListBudget budget) {
        return new Batch(refusal, budget);
    }

    /**
     * How much list text the replies handled together may hold. Every page is cut to what is left,
     * so however many list requests arrive together, and however many CIDs the host has, the
     * replies in hand stay within one message's size, and the heap they take is bounded.
     */
    public static final class ListBudget {
        /** Bytes of list entries for all the replies handled together: under a message's 1,114,112. */
        public static final int BYTES = 768 * 1024;

        private final long bytes;
        private long left;

        public ListBudget() {
            this(BYTES);
        }

        ListBudget(long bytes) {
            this.bytes = bytes;
            this.left = bytes;
        }

        /** What is left now, to {@link #giveBack} to when the replies drawn since are thrown away. */
        long left() {
            return left;
        }

        /** Back to {@code left}: the replies drawn since it were not sent. */
        void giveBack(long left) {
            this.left = Math.max(this.left, left);
        }

        /** Whether nothing has been taken yet. */
        boolean untouched() {
            return left == bytes;
        }

        /** Takes {@code bytes} if that many are left. */
        boolean take(long bytes) {
            if (bytes > left) {
                return false;
            }
            left -= bytes;
            return true;
        }

        /** What an entry takes in a reply: its JSON. */
        static int bytes(Results.Entry entry) {
            try {
                return JsonRpc.MAPPER.writeValueAsBytes(entry).length;
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Actions run together and committed as one transaction: one commit (and one write to disk)
     * however many requests arrived together. Closing without {@link #commit()} undoes every change
     * in memory and in the store.
     */
    public final class Batch implements AutoCloseable {
        private final RpcError refusal;
        private final ListBudget budget;
        /** Opened by the first action that changes state; a batch of reads needs none. */
        private Store.Transaction tx;
        private final List<Runnable> undo = new ArrayList<>();
        private final List<StatusEvent> events = new ArrayList<>();
        private final Set<ConnectionKey> touched = new LinkedHashSet<>();
        /** Connections whose CIDs changed: the meters hear of them after the commit. */
        private final Set<ConnectionKey> changed = new LinkedHashSet<>();
        /** Per connection, the event that further changes of the same kind join. */
        private final Map<ConnectionKey, OpenEvent> open = new LinkedHashMap<>();
        private long batchSeq;
        private boolean committed;

        private Batch(RpcError refusal, ListBudget budget) {
            this.refusal = refusal;
            this.budget = budget;
            lock.lock();
            this.batchSeq = seq;
        }

        /** Runs one action; a store failure is thrown (the batch is then to be closed uncommitted). */
        public Outcome run(Action action) {
            try {
                if (action.changesState() && refusal != null) {
                    return refusal;
                }
                if (action.changesState() && tx == null) {
                    tx = store.begin();
                }
                if (action instanceof Action.Manage m) {
                    return manage(m);
                }
                if (action instanceof Action.Unmanage u) {
                    return unmanage(u);
                }
                return list((Action.GetList) action);
            } catch (RpcError e) {
                return e;
            }
        }

        /**
         * The transaction of this batch's changes, for writing what belongs with them (the request
         * log); empty while the batch has run no change.
         */
        public Optional<Store.Transaction> transaction() {
            return Optional.ofNullable(tx);
        }

        /** Makes the batch's changes and their events durable; {@link #close()} then wakes the event publisher. */
        public void commit() {
            if (tx == null) {
                committed = true;
                return;
            }
            seal();
            events.sort(Comparator.comparingLong(StatusEvent::seq));
            for (StatusEvent e : events) {
                tx.appendEvent(e.seq(), e.toNotification());
            }
            tx.commit();
            committed = true;
            seq = batchSeq;
            changed.forEach(StorageService.this::tellMeters);
            tellMeters();
        }

        /** Connections whose desired state changed in a committed batch: the reconciler's work. */
        public List<ConnectionKey> touched() {
            return committed ? List.copyOf(touched) : List.of();
        }

        @Override
        public void close() {
            try {
                if (!committed) {
                    for (int i = undo.size() - 1; i >= 0; i--) {
                        undo.get(i).run();
                    }
                }
                if (tx != null) {
                    tx.close();
                }
            } finally {
                lock.unlock();
            }
            // Woken outside the lock, as observe() does: the publisher takes a lock of its own.
            if (committed && !events.isEmpty()) {
                eventsWritten.run();
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
            ManagedCid managed = new ManagedCid(cid, command.uri(), clock.instant());
            tx.insertCid(managed);
            if (connection != null && connection.cids().isEmpty()) {
                // Wanted again before its disconnect: no longer to be disconnected after a restart.
                tx.removePendingDisconnect(key);
            }
            boolean isNew = connection == null;
            // The key's desired state changes only when its first CID arrives; a CID joining a
            // connection that is up changes nothing the reconciler looks at (its probe stays planned).
            boolean wake = isNew || connection.cids().isEmpty() || connection.state() != ConnectionState.CONNECTED;
            StorageUri previousSettings = isNew ? null : connection.uri();
            closeOtherEvent(key, StatusEvent.Change.MANAGED);
            connection = registry.add(managed, clock.instant());
            undo.add(() -> {
                registry.remove(cid);
                if (isNew) {
                    registry.forget(key);
                } else {
                    registry.restoreSettings(key, previousSettings);
                }
            });
            changed.add(key);
            try (LogFields ids = LogFields.of(cid, key)) {
                log.info("cid={} key={} managed ({})", cid, key, command.uri());
            }
            event(connection, StatusEvent.Change.MANAGED, List.of(cid));
            if (wake) {
                touched.add(key);
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
                        + "\" is not managed on host " + hostId)));
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
                closeOtherEvent(key, StatusEvent.Change.UNMANAGED);
                for (ManagedCid managed : cids) {
                    tx.deleteCid(managed.cid());
                    registry.remove(managed.cid());
                    undo.add(() -> registry.add(managed, managed.managedAt()));
                    try (LogFields ids = LogFields.of(managed.cid(), key)) {
                        log.info("cid={} key={} unmanaged", managed.cid(), key);
                    }
                }
                changed.add(key);
                HostConnection connection = registry.connection(key);
                event(connection, StatusEvent.Change.UNMANAGED, cids.stream().map(ManagedCid::cid).toList());
                if (connection.cids().isEmpty()) {
                    // The last CID left: the key is no longer wanted, the reconciler disconnects it,
                    // after a restart too if the worker stops first.
                    tx.addPendingDisconnect(connection.uri());
                    disconnecting.add(key.value());
                    touched.add(key);
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
            tx.deleteCid(stranded.cid());
            registry.unstrand(stranded.cid());
            undo.add(() -> registry.strand(stranded));
            try (LogFields ids = LogFields.of(stranded.cid(), stranded.connectionKey())) {
                log.info("cid={} key={} unmanaged (stranded)", stranded.cid(), stranded.connectionKey());
            }
            HostConnection live = registry.connection(new ConnectionKey(stranded.connectionKey()));
            if (live != null) {
                // Stranded beside the CID that holds its key (OPTIONS_CONFLICT): the event is that
                // connection's, with its CIDs and state, in order with the batch's other events on it.
                event(live, StatusEvent.Change.UNMANAGED, List.of(stranded.cid()), false);
                return;
            }
            // Its own event: no connection has its key, so no open event can take it. No served CID
            // has its key either: the count is 0.
            events.add(new StatusEvent(hostId, ++batchSeq, clock.instant(), stranded.connectionKey(), 0,
                    List.of(stranded.cid()), ConnectionState.DISCONNECTED.name(), false, stranded.error(),
                    Health.notConnected(), strandedInfo(stranded), StatusEvent.Change.UNMANAGED.name()));
        }

        /**
         * One page of the list: the CIDs after {@code command.after()} in CID order, served and
         * stranded alike, as many as {@code limit} and the batch's {@link ListBudget} allow; then, on
         * the last page of a list without a prefix, the connections no CID holds.
         */
        private Results.StorageServerList list(Action.GetList command) {
            // What a page reports at seq N must be in the events up to N.
            seal();
            String prefix = command.connectionIdPrefix();
            String after = command.after() == null || command.after().isEmpty() ? null : command.after();
            Map<String, Results.Entry> entries = new LinkedHashMap<>();
            // CIDs of one connection share their URI object (Registry.add), and so one entry: built
            // and measured once per connection, not once per CID.
            Map<StorageUri, Results.Entry> shared = new IdentityHashMap<>();
            Map<Results.Entry, Integer> sizes = new IdentityHashMap<>();
            Iterator<Registry.Listed> cids = registry.listed(prefix, after);
            String last = null;
            while (cids.hasNext()) {
                if (entries.size() == command.limit()) {
                    return new Results.StorageServerList(batchSeq, entries, last);
                }
                Registry.Listed listed = cids.next();
                Results.Entry entry = listed.served() != null
                        ? shared.computeIfAbsent(listed.served().uri(), uri -> entry(registry.connection(uri.key()), true))
                        : stranded(listed.stranded());
                int bytes = sizes.computeIfAbsent(entry, ListBudget::bytes) + StatusEvent.changedIdBytes(listed.cid());
                if (!budget.take(bytes)) {
                    // The rest on the next page: the replies in hand stay within the budget.
                    return new Results.StorageServerList(batchSeq, entries, last != null ? last : after == null ? "" : after);
                }
                entries.put(listed.cid(), entry);
                last = listed.cid();
            }
            if (prefix == null) {
                Map<String, Results.Entry> unmanaged = unmanaged();
                int bytes = unmanaged.values().stream().mapToInt(ListBudget::bytes).sum() + 20 * unmanaged.size();
                if (!budget.take(bytes) && !budget.untouched()) {
                    // On a page of their own, from a budget no other reply has drawn on: the
                    // host's own connections are few, and are not paged.
                    return new Results.StorageServerList(batchSeq, entries, last != null ? last : after == null ? "" : after);
                }
                entries.putAll(unmanaged);
            }
            return new Results.StorageServerList(batchSeq, entries, null);
        }

        /**
         * Connections no CID holds: being disconnected, left active by a failed disconnect, or made
         * on the host by someone else; under ids {@code unmanaged-1}, ... in key order.
         */
        private Map<String, Results.Entry> unmanaged() {
            Map<String, Results.Entry> entries = new LinkedHashMap<>();
            int n = 0;
            TreeMap<ConnectionKey, HostConnection> orphans = new TreeMap<>();
            registry.unheld().forEach(c -> orphans.put(c.key(), c));
            for (HostConnection orphan : orphans.values()) {
                entries.put("unmanaged-" + (++n), entry(orphan, false));
            }
            for (ActiveConnections.Active found : active.scan(registry.connections().stream()
                    .map(HostConnection::uri).toList())) {
                if (registry.connection(found.key()) == null) {
                    entries.put("unmanaged-" + (++n), new Results.Entry(false, true, ConnectionState.CONNECTED.name(),
                            found.key().value(), null, null, null, found.info()));
                }
            }
            return entries;
        }

        /**
         * Records a change. Changes of one kind to one connection in a row (a burst of manages on
         * one export, say) make one event listing them all in changedIds, up to what one event may
         * name ({@link StatusEvent#MAX_CHANGED_ID_BYTES}); the rest go in the next events.
         */
        private void event(HostConnection c, StatusEvent.Change change, List<String> changedIds) {
            event(c, change, changedIds, true);
        }

        /** @param counted whether the CIDs are (or were) the connection's own: false for a stranded CID */
        private void event(HostConnection c, StatusEvent.Change change, List<String> changedIds, boolean counted) {
            OpenEvent current = open.get(c.key());
            if (current == null || current.change != change || change == StatusEvent.Change.STATE) {
                closeOtherEvent(c.key(), change);
                current = new OpenEvent(c, change, ++batchSeq);
                open.put(c.key(), current);
            }
            for (int i = 0; i < changedIds.size(); i++) {
                String cid = changedIds.get(i);
                if (!current.fits(cid)) {
                    // Full, and closed before the rest of this change is in events: its count is the
                    // connection's without the CIDs still to come (the registry has them already).
                    int toCome = counted ? changedIds.size() - i : 0;
                    events.add(current.snapshot(change == StatusEvent.Change.MANAGED ? -toCome : toCome));
                    current = new OpenEvent(c, change, ++batchSeq);
                    open.put(c.key(), current);
                }
                current.add(cid);
            }
        }

        /**
         * Closes the connection's open event before a change of another kind: an open event reads
         * the connection when closed, so it must close while the connection is as its own changes
         * left it.
         */
        private void closeOtherEvent(ConnectionKey key, StatusEvent.Change change) {
            OpenEvent current = open.get(key);
            if (current != null && (current.change != change || change == StatusEvent.Change.STATE)) {
                events.add(current.snapshot(0));
                open.remove(key);
            }
        }

        /** Closes every open event. */
        private void seal() {
            open.values().forEach(e -> events.add(e.snapshot(0)));
            open.clear();
        }
    }

    /** A stranded CID's list entry: managed, DISCONNECTED, with the error that tells why and what to do. */
    private static Results.Entry stranded(StrandedCid stranded) {
        return new Results.Entry(true, false, ConnectionState.DISCONNECTED.name(), stranded.connectionKey(),
                stranded.managedAt(), stranded.error(), Health.notConnected(), strandedInfo(stranded), true);
    }

    /** A stranded CID's connection info: its type, when its stored key names one. */
    private static Map<String, Object> strandedInfo(StrandedCid stranded) {
        return stranded.type().<Map<String, Object>>map(type -> Map.of("type", type.scheme())).orElse(Map.of());
    }

    private static Results.Entry entry(HostConnection c, boolean managed) {
        return new Results.Entry(managed, c.state() == ConnectionState.CONNECTED,
                c.state().name(), c.key().value(), c.since(), c.lastError(), c.health(), c.connectionInfo());
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
    public boolean observe(ConnectionKey key, Observation observation) {
        Recorded recorded;
        lock.lock();
        try (LogFields ids = LogFields.key(key)) {
            recorded = record(key, observation);
            tellMeters(key);
            tellMeters();
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

    /** Applies an observation under the lock, with its event in one commit, or not at all. */
    private Recorded record(ConnectionKey key, Observation observation) {
        HostConnection connection = registry.connection(key);
        if (connection == null) {
            return Recorded.NOTHING;
        }
        boolean orphan = connection.cids().isEmpty();
        if (orphan != (observation.kind() == Observation.Kind.RELEASED
                || observation.kind() == Observation.Kind.RELEASE_FAILED)) {
            // The CIDs changed while the connector worked; a newer reconcile is already queued.
            return Recorded.NOTHING;
        }
        HostConnection.Observed before = connection.observed();
        HostConnection.Change change = connection.apply(observation, clock.instant());
        boolean released = observation.kind() == Observation.Kind.RELEASED;
        if (change != HostConnection.Change.NONE || released) {
            StatusEvent.Change kind = change == HostConnection.Change.STATE ? StatusEvent.Change.STATE : StatusEvent.Change.HEALTH;
            StatusEvent event = change == HostConnection.Change.NONE ? null : new OpenEvent(connection, kind, seq + 1).snapshot(0);
            try (Store.Transaction tx = store.begin()) {
                if (event != null) {
                    tx.appendEvent(event.seq(), event.toNotification());
                }
                if (released) {
                    tx.removePendingDisconnect(key);
                }
                tx.commit();
                if (event != null) {
                    seq = event.seq();
                }
            } catch (StoreException e) {
                // Not applied either: the list must never show a change its events lack. The
                // connector's next look at this connection observes it again, and records it then.
                connection.restore(before);
                log.error("key={} {} not recorded, so not applied; the next look tries again: {}",
                        key, released ? "disconnect" : kind + " " + event.state(), e.getMessage());
                return Recorded.REFUSED;
            }
        }
        if (released) {
            registry.forget(key);
            log.info("key={} disconnected", key);
        } else if (observation.error() != null) {
            log.warn("key={} {}: {} ({})", key, connection.state(), observation.error().message(),
                    observation.error().name());
        } else if (change == HostConnection.Change.STATE) {
            log.info("key={} {}", key, connection.state());
        }
        if (change == HostConnection.Change.HEALTH) {
            log.info("key={} health {} {}", key, connection.health().status(), connection.health().reasons());
        }
        return change != HostConnection.Change.NONE ? Recorded.EVENT : Recorded.NOTHING;
    }

    /** Tells the meters the state of connection {@code key} as it is now; under the lock, after its commit. */
    private void tellMeters(ConnectionKey key) {
        HostConnection connection = registry.connection(key);
        if (connection == null) {
            meters.connection(key, null, null);
        } else {
            meters.connection(key, connection.uri().type(), connection.state(), connection.health());
        }
    }

    /** Tells the meters the CID count and the last event written; under the lock, after a commit. */
    private void tellMeters() {
        meters.managedCids(registry.size());
        meters.eventsWritten(seq);
    }

    /** An event still taking changes; its CID count and state are read when it is closed. */
    private final class OpenEvent {
        final HostConnection connection;
        final StatusEvent.Change change;
        final long seq;
        final Instant at = clock.instant();
        final List<String> changedIds = new ArrayList<>();
        private int changedIdBytes;

        OpenEvent(HostConnection connection, StatusEvent.Change change, long seq) {
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
            HostConnection now = registry.connection(connection.key());
            HostConnection c = now != null ? now : connection;
            return new StatusEvent(hostId, seq, at, c.key().value(), c.cids().size() + countAdjustment,
                    List.copyOf(changedIds), c.state().name(), c.state() == ConnectionState.CONNECTED, c.lastError(),
                    c.health(), c.connectionInfo(), change.name());
        }
    }
}
