package io.tether.monitor;

import io.tether.connection.ConnectionKey;
import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.connection.Observation;
import io.tether.connection.StorageType;
import io.tether.connection.StorageUri;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Connectors;
import io.tether.connector.Probe;
import io.tether.connector.VdsmError;
import io.tether.logging.LogFields;
import io.tether.metrics.Meters;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every host connection at its desired state, level-based like a Kubernetes controller's
 * {@code Reconcile(key)}: one step reads what is wanted ({@link ConnectionTable#target}: CIDs hold
 * the connection, or none do) and what the connector sees, acts on the difference, and returns a
 * {@link ReconcileResult} that says what happens next. It never asks what woke it: a manage, the
 * schedule and a restart all run the same step.
 *
 * <pre>
 * target(key)           the connector sees      so it         and returns
 * empty                 -                       -             Forget
 * no connector serves   -                       -             Terminal
 * wanted                probe works             -             RequeueAfter(probe interval), health graded
 * wanted                probe hangs             -             Retry(backoff)
 * wanted                host recovers it        -             RequeueAfter(probe interval)
 * wanted                probe fails             connects      RequeueAfter(probe interval), or Retry(backoff)
 * not wanted            -                       disconnects   Forget, or Retry(backoff)
 * </pre>
 *
 * A mount whose server is away for a few seconds, with the default settings (delays ±20%):
 * <pre>
 * reconcile(key)   probe fails, connect fails   Retry(1 s, failure 1)
 * 1 s later        probe fails, connect fails   Retry(2 s, failure 2)
 * 2 s later        probe fails, connect works   RequeueAfter(10 s); the failures start again from 0
 * 10 s later       probe works                  RequeueAfter(10 s)
 * </pre>
 *
 * <p>At most one reconcile runs per key; a request meanwhile makes it run once more right after.
 * Connector calls run in {@link Operations} with a timeout, so a hung target delays nothing else.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /** Per-key bookkeeping: whether a reconcile runs, and the failures since the last success. */
    private static final class KeyState {
        boolean running;
        boolean again;
        // Only the decisions thread reads and writes them.
        int failures;
        /** This run of failures began with the connection up: an outage, whose first retry is spread. */
        boolean outage;
    }

    private final ConnectionTable table;
    private final Function<StorageType, Connector> connectors;
    private final Clock clock;
    private final MonitorSettings settings;
    private final DoubleSupplier random;
    private final Operations operations;
    private final Schedule schedule;
    private final Meters.Monitor meters;
    // Runs the decisions between connector calls; they are quick and touch the table, so one thread
    // keeps them in order and off the operation threads.
    private final ExecutorService decisions = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tether-reconcile");
        t.setDaemon(true);
        return t;
    });
    private final Map<ConnectionKey, KeyState> keys = new ConcurrentHashMap<>();

    /** The worker's reconciler: Quartz plans the reconciles, backoff jitter is random. */
    public Reconciler(ConnectionTable table, Connectors connectors, Clock clock, MonitorSettings settings)
            throws SchedulerException {
        this(table, connectors, clock, settings, Meters.Monitor.NONE);
    }

    /** The worker's reconciler, recording its probes and connects into {@code meters}. */
    public Reconciler(ConnectionTable table, Connectors connectors, Clock clock, MonitorSettings settings,
            Meters.Monitor meters) throws SchedulerException {
        this(table, connectors::forType, clock, settings, ProbeSchedule::new, () -> ThreadLocalRandom.current().nextDouble(),
                System::nanoTime, meters);
    }

    /**
     * @param connectors the connector of each storage type; null for a type this host does not serve
     * @param schedule   makes the schedule that hands back each key when it is due
     * @param random     numbers in [0, 1) that place each backoff delay in its jitter band
     * @param ticker     nanoseconds, as {@link System#nanoTime}: times each probe for its health
     */
    Reconciler(ConnectionTable table, Function<StorageType, Connector> connectors, Clock clock, MonitorSettings settings,
            Schedule.Factory schedule, DoubleSupplier random, LongSupplier ticker) throws SchedulerException {
        this(table, connectors, clock, settings, schedule, random, ticker, Meters.Monitor.NONE);
    }

    private Reconciler(ConnectionTable table, Function<StorageType, Connector> connectors, Clock clock,
            MonitorSettings settings, Schedule.Factory schedule, DoubleSupplier random, LongSupplier ticker,
            Meters.Monitor meters) throws SchedulerException {
        this.meters = meters;
        this.table = table;
        this.connectors = connectors;
        this.clock = clock;
        this.settings = settings;
        this.random = random;
        this.operations = new Operations(settings.operationThreads(), settings.operationTimeout(), ticker);
        this.schedule = schedule.start(this::reconcile);
    }

    /** Asks for {@code key} to be reconciled now; never blocks. */
    public void reconcile(ConnectionKey key) {
        KeyState[] start = new KeyState[1];
        // In compute, so that finding the state and marking it running cannot interleave with
        // dropping it (in finish): a dropped state never runs again.
        keys.compute(key, (k, existing) -> {
            KeyState state = existing != null ? existing : new KeyState();
            synchronized (state) {
                if (state.running) {
                    state.again = true;
                } else {
                    state.running = true;
                    start[0] = state;
                }
            }
            return state;
        });
        if (start[0] != null) {
            decisions.execute(() -> run(key, start[0]));
        }
    }

    /** Whether the monitor's decisions thread takes work: false once closed. */
    public boolean isRunning() {
        return !decisions.isShutdown();
    }

    /** Connections with a reconcile planned (one per tracked connection, never one per CID). */
    public int scheduledConnections() {
        return schedule.planned();
    }

    private void run(ConnectionKey key, KeyState state) {
        CompletableFuture<ReconcileResult> step;
        try {
            step = step(key, state);
        } catch (RuntimeException e) {
            step = CompletableFuture.failedFuture(e);
        }
        step.whenCompleteAsync((result, failure) -> {
            if (failure != null) {
                try (LogFields ids = LogFields.key(key)) {
                    log.error("key={} reconcile failed unexpectedly", key, failure);
                }
                result = retry(state);
            }
            finish(key, state, result);
        }, decisions);
    }

    /** One reconcile of {@code key}: desired state from the table, actual state from the connector. */
    private CompletableFuture<ReconcileResult> step(ConnectionKey key, KeyState state) {
        Optional<ConnectionTable.Desired> found = table.target(key);
        if (found.isEmpty()) {
            return CompletableFuture.completedFuture(new ReconcileResult.Forget());
        }
        ConnectionTable.Desired target = found.get();
        Connector connector = connectors.apply(target.uri().type());
        if (connector == null) {
            VdsmError kind = target.wanted() ? VdsmError.StorageServerConnectionError : VdsmError.StorageServerDisconnectionError;
            LastError error = new ConnectorException(kind, "no connector serves " + target.uri().type().scheme()
                    + " on this host").toLastError(clock.instant());
            if (target.wanted()) {
                table.observe(key, Observation.failed(error));
            }
            // Unwanted, it is left as it is: nothing here can disconnect it.
            return CompletableFuture.completedFuture(new ReconcileResult.Terminal(error));
        }
        return target.wanted() ? keepConnected(key, state, target, connector) : release(key, state, target.uri(), connector);
    }

    /** Probe; if not connected, connect. */
    private CompletableFuture<ReconcileResult> keepConnected(ConnectionKey key, KeyState state,
            ConnectionTable.Desired target, Connector connector) {
        StorageUri uri = target.uri();
        StorageType type = uri.type();
        if (state.failures == 0) {
            state.outage = target.state() == ConnectionState.CONNECTED;
        }
        // Filled on the operation thread before the future completes, read after it on this one.
        Probe[] probe = new Probe[1];
        long[] ranFor = {-1};
        return operations.start(key, "probe", VdsmError.StorageServerConnectionError, () -> probe[0] = connector.probe(uri),
                        nanos -> {
                            ranFor[0] = nanos;
                            meters.probed(type, nanos);
                        })
                .handleAsync((ok, probeFailure) -> {
                    Long delayMs = ranFor[0] < 0 ? null : TimeUnit.NANOSECONDS.toMillis(ranFor[0]);
                    if (probeFailure == null) {
                        return CompletableFuture.completedFuture(connected(key, state, grade(probe[0], delayMs), probe[0]));
                    }
                    ConnectorException why = Operations.cause(probeFailure);
                    meters.probeFailed(type, why.error().code());
                    if (why.isHung()) {
                        // A connect would only queue behind the stuck probe: report the hang, retry later.
                        return CompletableFuture.completedFuture(failed(key, state, why, delayMs));
                    }
                    if (why.isRecovering()) {
                        // The host brings it back by itself (iscsid): a logout and login now would
                        // turn a blip into an outage. Look again after the interval.
                        table.observe(key, Observation.failed(why.toLastError(clock.instant()),
                                down(Health.Reason.RECOVERING, delayMs)));
                        return CompletableFuture.<ReconcileResult>completedFuture(new ReconcileResult.RequeueAfter(settings.probeInterval()));
                    }
                    if (target.state() == ConnectionState.CONNECTED) {
                        // It was up and is not now: say so before trying to bring it back.
                        table.observe(key, Observation.failed(why.toLastError(clock.instant()),
                                down(Health.Reason.NOT_CONNECTED, delayMs)));
                    }
                    try (LogFields ids = LogFields.key(key)) {
                        log.info("key={} connecting", key);
                    }
                    Probe[] established = new Probe[1];
                    return operations.start(key, "connect", VdsmError.StorageServerConnectionError,
                                    () -> established[0] = connector.establish(uri))
                            .handleAsync((ok2, connectFailure) -> {
                                meters.connectTried(type, connectFailure == null);
                                if (connectFailure == null) {
                                    // No probe timed since the connect: its delay is not known yet.
                                    return connected(key, state, grade(established[0], null), established[0]);
                                }
                                ConnectorException cause = Operations.cause(connectFailure);
                                if (cause.isRecovering()) {
                                    table.observe(key, Observation.failed(cause.toLastError(clock.instant()),
                                            down(Health.Reason.RECOVERING, delayMs)));
                                    return new ReconcileResult.RequeueAfter(settings.probeInterval());
                                }
                                return failed(key, state, cause, delayMs);
                            }, decisions);
                }, decisions)
                .thenCompose(next -> next);
    }

    /**
     * The health of a connection that works, graded from what its probe showed: the one place that
     * turns delays, read-only mounts and failed paths into reasons (docs/monitoring.md, "Health").
     *
     * @param delayMs the probe's duration; null when no probe was timed (just connected)
     */
    private Health grade(Probe probe, Long delayMs) {
        probe = orPlain(probe);
        List<Health.Reason> reasons = new ArrayList<>();
        if (delayMs != null && delayMs > settings.healthDelayThreshold().toMillis()) {
            reasons.add(Health.Reason.SLOW);
        }
        if (probe.readOnly()) {
            reasons.add(Health.Reason.READ_ONLY);
        }
        if (probe.paths() != null && probe.paths().failed() > 0) {
            reasons.add(Health.Reason.PATHS_FAILED);
        }
        return Health.of(reasons, delayMs, clock.instant(), probe.paths());
    }

    /** A connector that shows nothing (a null probe) shows what {@link Probe#PLAIN} does. */
    private static Probe orPlain(Probe probe) {
        return probe == null ? Probe.PLAIN : probe;
    }

    /** The health of a connection that is down for {@code reason}. */
    private Health down(Health.Reason reason, Long delayMs) {
        return Health.of(List.of(reason), delayMs, clock.instant(), null);
    }

    /** No CID holds it any more: disconnect, and retry with backoff if that fails. */
    private CompletableFuture<ReconcileResult> release(ConnectionKey key, KeyState state, StorageUri uri, Connector connector) {
        if (state.failures == 0) {
            state.outage = false;
        }
        try (LogFields ids = LogFields.key(key)) {
            log.info("key={} disconnecting: no CID holds it", key);
        }
        return operations.start(key, "disconnect", VdsmError.StorageServerDisconnectionError, () -> connector.disconnect(uri))
                .handleAsync((ok, failure) -> {
                    if (failure != null) {
                        return failed(key, state, Observation::releaseFailed, Operations.cause(failure));
                    }
                    if (!table.observe(key, Observation.released())) {
                        // Disconnected, but not recorded: still listed as it was, so disconnect (a
                        // no-op now) and record again later.
                        return retry(state);
                    }
                    return new ReconcileResult.Forget();
                }, decisions);
    }

    /** It works: probe again after the interval, and start the next backoff from the beginning. */
    private ReconcileResult connected(ConnectionKey key, KeyState state, Health health, Probe probe) {
        state.failures = 0;
        table.observe(key, Observation.connected(health, orPlain(probe).info()));
        return new ReconcileResult.RequeueAfter(settings.probeInterval());
    }

    /** Records a failure to keep the connection up ({@code delayMs}: the probe's, if one ran) and backs off. */
    private ReconcileResult failed(ConnectionKey key, KeyState state, ConnectorException why, Long delayMs) {
        table.observe(key, Observation.failed(why.toLastError(clock.instant()), down(Health.Reason.NOT_CONNECTED, delayMs)));
        return retry(state);
    }

    /** Records the failure as {@code observation} says and backs off. */
    private ReconcileResult failed(ConnectionKey key, KeyState state, Function<LastError, Observation> observation,
            ConnectorException why) {
        LastError error = why.toLastError(clock.instant());
        table.observe(key, observation.apply(error));
        return retry(state);
    }

    private ReconcileResult retry(KeyState state) {
        int failures = ++state.failures;
        // Hosts that lose one server together see it at the same moment: a random first delay
        // spreads their retries, and so their reconnects when it is back (docs/monitoring.md).
        return new ReconcileResult.Retry(failures == 1 && state.outage ? settings.firstRetryAfterOutage(random)
                : settings.retry().delay(failures, random), failures);
    }

    /** Acts on what the step returned, or runs the step again at once if it was asked for meanwhile. */
    private void finish(ConnectionKey key, KeyState state, ReconcileResult result) {
        boolean again;
        synchronized (state) {
            again = state.again;
            state.again = false;
            state.running = again;
        }
        if (again) {
            decisions.execute(() -> run(key, state));
        } else if (result instanceof ReconcileResult.RequeueAfter healthy) {
            schedule.requeue(key, healthy.after());
        } else if (result instanceof ReconcileResult.Retry retry) {
            try (LogFields ids = LogFields.key(key)) {
                log.info("key={} retrying in {} ms (failure {} in a row)", key, retry.after().toMillis(), retry.failures());
            }
            schedule.requeue(key, retry.after());
        } else {
            if (result instanceof ReconcileResult.Terminal terminal) {
                try (LogFields ids = LogFields.key(key)) {
                    log.warn("key={} not retried until it is managed or unmanaged again: {}", key, terminal.error().message());
                }
            }
            schedule.cancel(key);
            keys.computeIfPresent(key, (k, current) -> {
                synchronized (current) {
                    return current == state && !current.running ? null : current;
                }
            });
        }
    }

    @Override
    public void close() {
        schedule.close();
        // Not interrupted: a decision may be writing an observation to the store, and an interrupt
        // inside H2's file I/O closes the database. It finishes, and none starts after it, not even
        // for the connector calls cut short next (they would report a failure that is only the stop).
        decisions.shutdown();
        operations.close();
        try {
            if (!decisions.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("a reconcile decision still runs after 5 s; stopping without it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
