package io.tether.monitor;

import static io.tether.connection.Observation.Kind.CONNECTED;
import static io.tether.connection.Observation.Kind.FAILED;
import static io.tether.connection.Observation.Kind.RELEASED;
import static io.tether.connection.Observation.Kind.RELEASE_FAILED;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.ConnectionState;
import io.tether.connection.HostConnection;
import io.tether.connection.LastError;
import io.tether.connection.ManagedCid;
import io.tether.connection.Observation;
import io.tether.connection.Retry;
import io.tether.connection.Registry;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's decisions without a broker, a worker or Quartz: a scripted connector, the
 * connection table in memory, and a clock and a schedule that only the test moves. Connector calls
 * still run on the reconciler's own threads, so the test waits for their outcomes, never for time.
 */
class ReconcilerTest extends ReconcilerFixture {
    /** Starts the reconciler with A held by CID a-1 and connected. */
    private void startWithAConnected() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        assertEquals(HEALTHY, reconcile(A));
    }

    @Test
    void connectsOnTheFirstReconcileThenProbesAtTheInterval() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);

        assertEquals(HEALTHY, reconcile(A));
        assertEquals(List.of("probe", "establish"), connector.calls(A), "not there yet, so connected");
        assertEquals(List.of(CONNECTED), table.kinds(A));
        assertEquals(ConnectionState.CONNECTED, table.state(A));
        assertEquals(1, reconciler.scheduledConnections());

        schedule.advance(PROBE);
        assertEquals(HEALTHY, schedule.next(A.key()));
        assertEquals(List.of("probe", "establish", "probe"), connector.calls(A), "a working connection is only probed");
    }

    @Test
    void adoptsAConnectionThatIsAlreadyThere() throws Exception {
        start(SETTINGS);
        connector.up.add(A.key());
        table.manage("a-1", A);

        assertEquals(HEALTHY, reconcile(A));
        assertEquals(List.of("probe"), connector.calls(A));
        assertEquals(ConnectionState.CONNECTED, table.state(A));
    }

    @Test
    void aFailedProbeOfAConnectedConnectionIsReportedBeforeTheConnectAttempt() throws Exception {
        startWithAConnected();
        connector.script("probe", A, fails(VdsmError.StorageDomainFSNotMounted, "not mounted"));
        connector.script("establish", A, fails(VdsmError.MountError, "connection refused"));

        schedule.advance(PROBE);
        assertEquals("requeue 100 ms", schedule.next(A.key()));
        assertEquals(List.of("probe", "establish", "probe", "establish"), connector.calls(A));
        assertEquals(List.of(CONNECTED, FAILED, FAILED), table.kinds(A));
        assertEquals("not mounted", table.observed(A).get(1).error().message(), "the probe's failure first");
        assertEquals("connection refused", table.observed(A).get(2).error().message(), "then the connect's");
        assertEquals(ConnectionState.DISCONNECTED, table.state(A));
        assertEquals(new LastError(477, "MountError", "connection refused", clock.instant()), table.lastError(A));

        schedule.advance(ms(100));
        assertEquals(HEALTHY, schedule.next(A.key()));
        assertEquals(ConnectionState.CONNECTED, table.state(A));
        assertNull(table.lastError(A));
    }

    @Test
    void repeatedFailuresBackOffByTheRetryPolicyAndASuccessStartsItAgain() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        connector.script("establish", A, fails(VdsmError.MountError, "refused"), fails(VdsmError.MountError, "refused"),
                fails(VdsmError.MountError, "refused"), fails(VdsmError.MountError, "refused"),
                fails(VdsmError.MountError, "refused"));
        // Where each delay falls in its ±20% band: lowest, a quarter, middle, three quarters, lowest.
        random.script(0.0, 0.25, 0.5, 0.75, 0.0);

        List<String> plans = new ArrayList<>(List.of(reconcile(A)));
        for (int i = 0; i < 5; i++) {
            schedule.advanceToNextPlan();
            plans.add(schedule.next(A.key()));
        }
        // 100 ms doubling up to 800 ms: 100 - 20%, 200 - 10%, 400, 800 + 10% capped at 800, 800 - 20%;
        // the sixth connect works.
        assertEquals(List.of("requeue 80 ms", "requeue 180 ms", "requeue 400 ms", "requeue 800 ms", "requeue 640 ms",
                HEALTHY), plans);
        assertEquals(List.of(FAILED, FAILED, FAILED, FAILED, FAILED, CONNECTED), table.kinds(A));

        connector.script("probe", A, fails(VdsmError.StorageDomainFSNotMounted, "not mounted"));
        connector.script("establish", A, fails(VdsmError.MountError, "refused"));
        schedule.advance(PROBE);
        assertEquals("requeue 100 ms", schedule.next(A.key()), "after a success the backoff starts at the first delay");
    }

    @Test
    void theTableIsToldEachRetryForTheListAndThatASuccessEndsThem() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        connector.script("establish", A, fails(VdsmError.MountError, "refused"), fails(VdsmError.MountError, "refused"));
        random.script(0.0, 0.5);
        Instant start = clock.instant();
        assertEquals("requeue 80 ms", reconcile(A));
        soon().until(() -> table.planned(A).size() == 1);
        assertEquals(Optional.of(new Retry(1, start.plus(ms(80)))), table.planned(A).get(0));
        schedule.advanceToNextPlan();
        assertEquals("requeue 200 ms", schedule.next(A.key()));
        soon().until(() -> table.planned(A).size() == 2);
        assertEquals(Optional.of(new Retry(2, start.plus(ms(80)).plus(ms(200)))), table.planned(A).get(1));
        schedule.advanceToNextPlan();
        assertEquals(HEALTHY, schedule.next(A.key()));
        soon().until(() -> table.planned(A).size() == 3);
        assertEquals(Optional.empty(), table.planned(A).get(2), "connected: no retry to show");
    }

    @Test
    void releasesWhenTheLastCidGoesAndThenForgetsTheKey() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        table.manage("a-2", A);
        assertEquals(HEALTHY, reconcile(A));

        table.unmanage("a-1");
        assertEquals(HEALTHY, reconcile(A), "another CID still holds it");
        table.unmanage("a-2");
        assertEquals("cancel", reconcile(A));
        assertEquals(List.of("probe", "establish", "probe", "disconnect"), connector.calls(A));
        assertEquals(List.of(CONNECTED, CONNECTED, RELEASED), table.kinds(A));
        assertFalse(table.tracks(A));
        assertEquals(0, reconciler.scheduledConnections());

        assertEquals("cancel", reconcile(A), "a key nobody tracks is forgotten");
        assertEquals(4, connector.calls(A).size(), "without a connector call");
    }

    @Test
    void aFailedDisconnectIsRetriedWithBackoff() throws Exception {
        startWithAConnected();
        connector.script("disconnect", A, fails(VdsmError.StorageServerDisconnectionError, "target is busy"),
                fails(VdsmError.StorageServerDisconnectionError, "target is busy"));

        table.unmanage("a-1");
        assertEquals("requeue 100 ms", reconcile(A));
        assertEquals(ConnectionState.CONNECTED, table.state(A), "a failed disconnect leaves it up");
        assertEquals("target is busy", table.lastError(A).message());
        schedule.advanceToNextPlan();
        assertEquals("requeue 200 ms", schedule.next(A.key()));
        schedule.advanceToNextPlan();
        assertEquals("cancel", schedule.next(A.key()));

        assertEquals(List.of("probe", "establish", "disconnect", "disconnect", "disconnect"), connector.calls(A));
        assertEquals(List.of(CONNECTED, RELEASE_FAILED, RELEASE_FAILED, RELEASED), table.kinds(A));
        assertFalse(table.tracks(A));
    }

    /** The disk is full when the disconnect is recorded: the key is not forgotten, and it is tried again. */
    @Test
    void aDisconnectThatCannotBeRecordedIsRetriedWithBackoff() throws Exception {
        startWithAConnected();
        table.refuseNextObservation.set(true);

        table.unmanage("a-1");
        assertEquals("requeue 100 ms", reconcile(A));
        assertTrue(table.tracks(A), "still listed as it was");
        schedule.advanceToNextPlan();
        assertEquals("cancel", schedule.next(A.key()));

        assertEquals(List.of("probe", "establish", "disconnect", "disconnect"), connector.calls(A));
        assertEquals(List.of(CONNECTED, RELEASED), table.kinds(A), "the refused one was not recorded");
        assertFalse(table.tracks(A));
    }

    @Test
    void aCidManagedAgainBeforeTheDisconnectWorksKeepsTheConnection() throws Exception {
        startWithAConnected();
        connector.script("disconnect", A, fails(VdsmError.StorageServerDisconnectionError, "target is busy"));
        table.unmanage("a-1");
        assertEquals("requeue 100 ms", reconcile(A));

        // The same step, whatever woke it: it is wanted again, so it is probed and kept.
        table.manage("a-2", A);
        assertEquals(HEALTHY, reconcile(A));
        assertEquals(ConnectionState.CONNECTED, table.state(A));
        assertNull(table.lastError(A));
        schedule.advance(PROBE);
        assertEquals(HEALTHY, schedule.next(A.key()));
        assertEquals(List.of("probe", "establish", "disconnect", "probe", "probe"), connector.calls(A),
                "wanted again: probed, and never disconnected");
    }

    @Test
    void aHungConnectorHoldsOneOperationThreadAndFailsAfterTheTimeout() throws Exception {
        start(new MonitorSettings(PROBE, ms(200), RETRY, 2));
        CountDownLatch stuck = connector.hang("probe", A);
        table.manage("a-1", A);
        table.manage("b-1", B);

        long started = System.nanoTime();
        reconciler.enqueue(A.key());
        assertEquals(HEALTHY, reconcile(B), "B connects while A's probe hangs");
        assertEquals("requeue 100 ms", schedule.next(A.key()));
        assertTrue(System.nanoTime() - started >= ms(200).toNanos(), "A failed only once its probe timed out");
        assertEquals(List.of(FAILED), table.kinds(A));
        assertEquals("probe did not return within 0.2 s (target hung or unreachable)", table.lastError(A).message());
        assertEquals(ConnectionState.DISCONNECTED, table.state(A));

        // While the probe is stuck, A's retries fail at once without a second call; the others go on
        // with the one thread left.
        schedule.advance(ms(100));
        assertEquals("requeue 200 ms", schedule.next(A.key()));
        assertTrue(table.lastError(A).message().endsWith("has not returned (target hung?)"), table.lastError(A).message());
        table.manage("c-1", C);
        assertEquals(HEALTHY, reconcile(C));
        schedule.advance(PROBE);
        assertEquals("requeue 400 ms", schedule.next(A.key()));
        assertEquals(HEALTHY, schedule.next(B.key()));
        assertEquals(HEALTHY, schedule.next(C.key()));
        assertEquals(List.of("probe"), connector.calls(A));

        // The probe returns. Its thread frees A just after, so the next reconcile may still find it
        // busy and back off once more: move the clock on until A is connected.
        stuck.countDown();
        soon().until(() -> {
            schedule.advance(RETRY.max());
            return table.state(A) == ConnectionState.CONNECTED;
        });
        assertEquals(List.of("probe", "probe", "establish"), connector.calls(A));
        assertEquals(1, connector.mostAtOnce(A), "never two calls on A at once");
    }

    @Test
    void requestsWhileAReconcileRunsMakeItRunOnceMoreAfterwards() throws Exception {
        start(SETTINGS);
        CountDownLatch probing = connector.hang("probe", A);
        table.manage("a-1", A);

        reconciler.enqueue(A.key());
        soon().until(() -> connector.calls(A).size() == 1);
        reconciler.enqueue(A.key());
        reconciler.enqueue(A.key());
        reconciler.enqueue(A.key());
        probing.countDown();

        assertEquals(HEALTHY, schedule.next(A.key()));
        assertEquals(List.of("probe", "establish", "probe"), connector.calls(A), "three requests meanwhile, one more run");
    }

    @Test
    void aTypeNoConnectorServesIsNotRetriedUntilAskedAgain() throws Exception {
        start(SETTINGS);
        StorageUri lun = uri("iscsi://target/iqn.2001-04.com.example:disk");
        served.remove(StorageType.ISCSI);
        table.manage("lun-1", lun);

        assertEquals("cancel", reconcile(lun));
        assertEquals(List.of(FAILED), table.kinds(lun));
        assertEquals("no connector serves iscsi on this host", table.lastError(lun).message());
        assertEquals(0, reconciler.scheduledConnections());

        served.put(StorageType.ISCSI, connector);
        assertEquals(HEALTHY, reconcile(lun), "a manage asks again");

        served.remove(StorageType.ISCSI);
        table.unmanage("lun-1");
        assertEquals("cancel", reconcile(lun), "nor is a connection retried that nothing can disconnect");
        assertEquals(List.of(FAILED, CONNECTED), table.kinds(lun), "its state is left as it was");
        assertTrue(table.tracks(lun));
    }

    @Test
    void aStepThatThrowsIsRetriedWithBackoffAndTheKeyIsNotStuck() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        table.failNextTarget.set(true);

        assertEquals("requeue 100 ms", reconcile(A));
        assertEquals(List.of(), connector.calls(A));
        schedule.advanceToNextPlan();
        assertEquals(HEALTHY, schedule.next(A.key()));
    }

    /**
     * 10,000 CIDs on 100 connections, each CID's manage asking for its connection's reconcile while
     * the first probe of every connection is stuck: the reconcile threads each hold one stuck probe,
     * of the first connections asked for, and probe each of those once more after it, not once per
     * CID; every other connection waits in the queue once and is probed once. Each keeps one plan,
     * and is probed exactly once per interval.
     */
    @Test
    void probesAreOnePerConnectionPerIntervalNotOnePerCid() throws Exception {
        // Stuck for as long as the CIDs take to arrive on a busy machine, never timed out meanwhile.
        start(SETTINGS.withOperationTimeout(Duration.ofMinutes(10)));
        List<StorageUri> targets = new ArrayList<>();
        List<CountDownLatch> stuck = new ArrayList<>();
        for (int t = 0; t < 100; t++) {
            StorageUri uri = uri("nfs://server/export-" + t);
            targets.add(uri);
            connector.up.add(uri.key());
            stuck.add(connector.hang("probe", uri));
        }
        for (int i = 0; i < 10_000; i++) {
            StorageUri uri = targets.get(i % targets.size());
            table.manage("cid-" + i, uri);
            reconciler.enqueue(uri.key());
        }
        stuck.forEach(CountDownLatch::countDown);
        int threads = SETTINGS.operationThreads();
        for (int t = 0; t < targets.size(); t++) {
            StorageUri uri = targets.get(t);
            assertEquals(HEALTHY, schedule.next(uri.key()));
            if (t < threads) {
                assertEquals(List.of("probe", "probe"), connector.calls(uri), "the stuck probe, then one for all the CIDs that came meanwhile");
            } else {
                assertEquals(List.of("probe"), connector.calls(uri), "one probe for all the CIDs that came while it waited");
            }
        }
        assertEquals(100, reconciler.scheduledConnections());

        for (int interval = 1; interval <= 3; interval++) {
            schedule.advance(PROBE);
            for (int t = 0; t < targets.size(); t++) {
                StorageUri uri = targets.get(t);
                assertEquals(HEALTHY, schedule.next(uri.key()));
                int first = t < threads ? 2 : 1;
                assertEquals(first + interval, connector.calls(uri).size(), "one probe of " + uri + " in interval " + interval);
            }
            assertEquals(100, reconciler.scheduledConnections());
        }
    }

    /** A clock that moves only when the test says. */
    static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;

        ManualClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        Instant advance(Duration step) {
            return now.updateAndGet(t -> t.plus(step));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * The plans kept by hand: a plan fires (once, and is gone, as a Quartz trigger) only when the
     * test moves the clock past it. Every plan made is kept, as "requeue N ms" or "cancel".
     */
    static final class ManualSchedule implements Schedule {
        private final ManualClock clock;
        private final Consumer<ConnectionKey> fire;
        private final Map<ConnectionKey, Instant> due = new ConcurrentHashMap<>();
        private final Map<ConnectionKey, List<String>> made = new ConcurrentHashMap<>();
        private final Map<ConnectionKey, Integer> read = new HashMap<>();
        private final AtomicReference<Runnable> atNextCancel = new AtomicReference<>();
        private volatile boolean closed;

        ManualSchedule(ManualClock clock, Consumer<ConnectionKey> fire) {
            this.clock = clock;
            this.fire = fire;
        }

        @Override
        public void requeue(ConnectionKey key, Duration delay) {
            due.put(key, clock.instant().plus(delay));
            made(key).add("requeue " + delay.toMillis() + " ms");
        }

        @Override
        public void cancel(ConnectionKey key) {
            due.remove(key);
            Runnable action = atNextCancel.getAndSet(null);
            if (action != null) {
                action.run();
            }
            made(key).add("cancel");
        }

        /**
         * Runs {@code action} inside the next cancel, on the reconciler's thread, at the moment a
         * reconcile that planned nothing is about to drop its key: what happens then is otherwise
         * a matter of luck.
         */
        void atNextCancel(Runnable action) {
            atNextCancel.set(action);
        }

        boolean closed() {
            return closed;
        }

        @Override
        public int planned() {
            return due.size();
        }

        @Override
        public void close() {
            closed = true;
        }

        private List<String> made(ConnectionKey key) {
            return made.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
        }

        /** Moves the clock on by {@code step} and fires every plan due by then. */
        void advance(Duration step) {
            Instant now = clock.advance(step);
            for (Map.Entry<ConnectionKey, Instant> plan : List.copyOf(due.entrySet())) {
                if (!plan.getValue().isAfter(now) && due.remove(plan.getKey(), plan.getValue())) {
                    fire.accept(plan.getKey());
                }
            }
        }

        /** Moves the clock to the earliest plan and fires what is due then. */
        void advanceToNextPlan() {
            Instant next = due.values().stream().min(Instant::compareTo).orElseThrow();
            advance(Duration.between(clock.instant(), next));
        }

        /** The next plan the reconciler makes for {@code key}, once it has made it. */
        String next(ConnectionKey key) {
            int n = read.merge(key, 1, Integer::sum);
            List<String> plans = made(key);
            soon().until(() -> plans.size() >= n);
            return plans.get(n - 1);
        }
    }

    /** The worker's side in memory: CIDs and connections in a {@link Registry}, every observation kept. */
    static final class MemoryTable implements ConnectionTable {
        private final Registry registry = new Registry();
        private final Clock clock;
        private final Map<ConnectionKey, List<Observation>> observed = new ConcurrentHashMap<>();
        /** What each observation changed, so which event the worker would write for it. */
        private final Map<ConnectionKey, List<HostConnection.Effect>> changes = new ConcurrentHashMap<>();
        /** Makes the next {@link #target} throw, as a bug in the table would. */
        final AtomicBoolean failNextTarget = new AtomicBoolean();

        MemoryTable(Clock clock) {
            this.clock = clock;
        }

        synchronized void manage(String cid, StorageUri uri) {
            registry.add(new ManagedCid(cid, uri, clock.instant()), clock.instant());
        }

        synchronized void unmanage(String cid) {
            registry.remove(cid);
        }

        @Override
        public synchronized Optional<Desired> target(ConnectionKey key) {
            if (failNextTarget.getAndSet(false)) {
                throw new IllegalStateException("table broken");
            }
            HostConnection connection = registry.connection(key);
            return connection == null ? Optional.empty()
                    : Optional.of(new Desired(connection.uri(), !connection.cids().isEmpty(), connection.state()));
        }

        /** What the reconciler planned after each reconcile, in order: a retry, or null for none. */
        final Map<ConnectionKey, List<Optional<Retry>>> planned = new ConcurrentHashMap<>();

        @Override
        public void planned(ConnectionKey key, Retry retry) {
            planned.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(Optional.ofNullable(retry));
        }

        List<Optional<Retry>> planned(StorageUri uri) {
            return planned.getOrDefault(uri.key(), List.of());
        }

        /** Makes the next {@link #observe} refuse, as the worker's table does when its disk is full. */
        final AtomicBoolean refuseNextObservation = new AtomicBoolean();

        @Override
        public synchronized boolean observe(ConnectionKey key, Observation observation) {
            HostConnection connection = registry.connection(key);
            if (connection == null) {
                return true;
            }
            if (refuseNextObservation.getAndSet(false)) {
                return false;
            }
            observed.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(observation);
            changes.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(connection.apply(observation, clock.instant()));
            if (observation.kind() == Observation.Kind.RELEASED) {
                registry.forget(key);
            }
            return true;
        }

        List<Observation> observed(StorageUri uri) {
            return observed.getOrDefault(uri.key(), List.of());
        }

        List<Observation.Kind> kinds(StorageUri uri) {
            return observed(uri).stream().map(Observation::kind).toList();
        }

        synchronized boolean tracks(StorageUri uri) {
            return registry.connection(uri.key()) != null;
        }

        synchronized ConnectionState state(StorageUri uri) {
            return registry.connection(uri.key()).state();
        }

        /** The events the observations of {@code uri} would have written: STATE or HEALTH, in order. */
        List<HostConnection.Effect> events(StorageUri uri) {
            return changes.getOrDefault(uri.key(), List.of()).stream().filter(c -> c != HostConnection.Effect.NONE).toList();
        }

        synchronized io.tether.connection.Health health(StorageUri uri) {
            return registry.connection(uri.key()).health();
        }

        synchronized LastError lastError(StorageUri uri) {
            return registry.connection(uri.key()).lastError();
        }
    }

    /**
     * A connector whose connections exist in memory (a probe fails until an establish, a disconnect
     * removes), unless the test scripts what the next calls of a kind ("probe", "establish" or
     * "disconnect") on a key do.
     */
    static final class ScriptedConnector implements Connector {
        /** What a scripted call does; {@code unscripted} does what the call would do without a script. */
        @FunctionalInterface
        interface Outcome {
            void happen(Call unscripted) throws ConnectorException;
        }

        /** What a call does in memory. */
        @FunctionalInterface
        interface Call {
            void run() throws ConnectorException;
        }

        final Set<ConnectionKey> up = ConcurrentHashMap.newKeySet();
        private final Map<String, Deque<Outcome>> script = new ConcurrentHashMap<>();
        private final Map<ConnectionKey, List<String>> calls = new ConcurrentHashMap<>();
        private final Map<ConnectionKey, AtomicInteger> inside = new ConcurrentHashMap<>();
        private final Map<ConnectionKey, AtomicInteger> most = new ConcurrentHashMap<>();
        private final Queue<CountDownLatch> hangs = new ConcurrentLinkedQueue<>();

        /** The next calls of {@code kind} on {@code uri}'s key do {@code outcomes}, in order. */
        void script(String kind, StorageUri uri, Outcome... outcomes) {
            Deque<Outcome> queue = script.computeIfAbsent(kind + " " + uri.key(), k -> new ArrayDeque<>());
            synchronized (queue) {
                queue.addAll(List.of(outcomes));
            }
        }

        /**
         * The next call of {@code kind} on {@code uri}'s key blocks, as on a hung target, until the
         * test counts down the latch returned; then it goes on unscripted.
         */
        CountDownLatch hang(String kind, StorageUri uri) {
            CountDownLatch release = new CountDownLatch(1);
            hangs.add(release);
            script(kind, uri, unscripted -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ConnectorException(VdsmError.GeneralException, "interrupted");
                }
                unscripted.run();
            });
            return release;
        }

        void releaseHangs() {
            hangs.forEach(CountDownLatch::countDown);
        }

        List<String> calls(StorageUri uri) {
            return List.copyOf(calls.getOrDefault(uri.key(), List.of()));
        }

        int mostAtOnce(StorageUri uri) {
            return most.get(uri.key()).get();
        }

        @Override
        public io.tether.connector.Probe probe(StorageUri uri) throws ConnectorException {
            call("probe", uri, () -> {
                if (!up.contains(uri.key())) {
                    throw new ConnectorException(VdsmError.StorageDomainFSNotMounted, uri.key() + " is not connected");
                }
            });
            return io.tether.connector.Probe.PLAIN;
        }

        @Override
        public io.tether.connector.Probe establish(StorageUri uri) throws ConnectorException {
            call("establish", uri, () -> up.add(uri.key()));
            return io.tether.connector.Probe.PLAIN;
        }

        @Override
        public void disconnect(StorageUri uri) throws ConnectorException {
            call("disconnect", uri, () -> up.remove(uri.key()));
        }

        private void call(String kind, StorageUri uri, Call unscripted) throws ConnectorException {
            ConnectionKey key = uri.key();
            calls.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(kind);
            int now = inside.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            most.computeIfAbsent(key, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            try {
                Deque<Outcome> queue = script.get(kind + " " + key);
                Outcome outcome;
                if (queue == null) {
                    outcome = null;
                } else {
                    synchronized (queue) {
                        outcome = queue.poll();
                    }
                }
                if (outcome == null) {
                    unscripted.run();
                } else {
                    outcome.happen(unscripted);
                }
            } finally {
                inside.get(key).decrementAndGet();
            }
        }
    }

    /** Random numbers for the backoff jitter: the scripted ones in order, then always the middle (no jitter). */
    static final class ScriptedRandom implements DoubleSupplier {
        private final Queue<Double> next = new ConcurrentLinkedQueue<>();

        void script(double... values) {
            for (double value : values) {
                next.add(value);
            }
        }

        @Override
        public double getAsDouble() {
            Double value = next.poll();
            return value != null ? value : 0.5;
        }
    }
}
