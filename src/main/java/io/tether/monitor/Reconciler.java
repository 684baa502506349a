package io.tether.monitor;

import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.connection.Observation;
import io.tether.connection.Retry;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Connectors;
import io.tether.connector.Probe;
import io.tether.connector.VdsmError;
import io.tether.logging.LogFields;
import io.tether.metrics.Meters;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * A new mount whose server is away for a few seconds, with the default settings (delays ±20%),
 * each result followed by what the queue plans:
 * <pre>
 * reconcile(key)   probe fails, connect fails   Retry: again in 1 s (failure 1)
 * 1 s later        probe fails, connect fails   Retry: again in 2 s (failure 2)
 * 2 s later        probe fails, connect works   RequeueAfter(10 s); the failures start again from 0
 * 10 s later       probe works                  RequeueAfter(10 s)
 * </pre>
 *
 * The {@link KeyQueue} turns each result into the key's next turn, as controller-runtime's work
 * queue does: RequeueAfter plans it and clears its failures, Retry plans it after the backoff of
 * the failures in a row it counts, Forget and Terminal drop its plan and its failures. It hands every key to a small pool
 * of reconcile threads, one reconcile per key at a time; a request meanwhile makes it run once more
 * right after. Connector calls run in {@link Operations} with a timeout, so a hung target delays
 * nothing else.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final ConnectionTable table;
    private final Function<StorageType, Connector> connectors;
    private final Clock clock;
    private final MonitorSettings settings;
    private final Meters.Monitor meters;
    private final Operations operations;
    private final KeyQueue queue;
    private final ExecutorService workers;

    /** The worker's reconciler: Quartz plans the reconciles, backoff jitter is random, probes are timed by {@link System#nanoTime}. */
    public Reconciler(ConnectionTable table, Connectors connectors, Clock clock, MonitorSettings settings,
            Meters.Monitor meters) throws SchedulerException {
        this(table, connectors::forType, clock, settings, meters, ProbeSchedule::new,
                () -> ThreadLocalRandom.current().nextDouble(), System::nanoTime);
    }

    /**
     * @param connectors the connector of each storage type; null for a type this host does not serve
     * @param meters     records each probe and connect with its outcome
     * @param schedule   makes the schedule that hands back each key when it is due
     * @param random     numbers in [0, 1) that place each backoff delay in its jitter band
     * @param ticker     nanoseconds, as {@link System#nanoTime}: times each probe for its health
     */
    Reconciler(ConnectionTable table, Function<StorageType, Connector> connectors, Clock clock, MonitorSettings settings,
            Meters.Monitor meters, Schedule.Factory schedule, DoubleSupplier random, LongSupplier ticker)
            throws SchedulerException {
        this.table = table;
        this.connectors = connectors;
        this.clock = clock;
        this.settings = settings;
        this.meters = meters;
        this.operations = new Operations(settings.operationThreads(), settings.operationTimeout(), ticker);
        this.queue = new KeyQueue(settings, schedule, random);
        // As many reconciles at once as connector calls: each waits for at most one call at a time.
        int threads = settings.operationThreads();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tether-reconcile-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < threads; i++) {
            workers.execute(this::work);
        }
    }

    /** Asks for {@code key} to be reconciled now; never blocks. */
    public void enqueue(ConnectionKey key) {
        queue.add(key);
    }

    /** Whether the monitor takes work: false once closed. */
    public boolean isRunning() {
        return queue.isOpen();
    }

    /** Connections with a reconcile planned (one per tracked connection, never one per CID). */
    public int scheduledConnections() {
        return queue.planned();
    }

    /**
     * One reconcile of {@code key}: desired state from the table, actual state from the connector,
     * the difference acted on and recorded. Runs on a reconcile thread, never two for one key.
     */
    ReconcileResult reconcile(ConnectionKey key) {
        Optional<ConnectionTable.Desired> found = table.target(key);
        if (found.isEmpty()) {
            return new ReconcileResult.Forget();
        }
        ConnectionTable.Desired target = found.get();
        Connector connector = connectors.apply(target.uri().type());
        if (connector == null) {
            return unserved(key, target);
        }
        return target.wanted() ? keepConnected(key, target, connector) : release(key, target.uri(), connector);
    }

    /** No connector serves the type: nothing can be done until the key is asked for again. */
    private ReconcileResult unserved(ConnectionKey key, ConnectionTable.Desired target) {
        VdsmError kind = target.wanted() ? VdsmError.StorageServerConnectionError : VdsmError.StorageServerDisconnectionError;
        LastError error = new ConnectorException(kind, "no connector serves " + target.uri().type().scheme()
                + " on this host").toLastError(clock.instant());
        if (target.wanted()) {
            table.observe(key, Observation.failed(error));
        }
        // Unwanted, it is left as it is: nothing here can disconnect it.
        return new ReconcileResult.Terminal(error);
    }

    /** Probe; if not connected, connect. */
    private ReconcileResult keepConnected(ConnectionKey key, ConnectionTable.Desired target, Connector connector) {
        StorageUri uri = target.uri();
        StorageType type = uri.type();
        boolean wasUp = target.state() == ConnectionState.CONNECTED;
        CallOutcome<Probe> probe = operations.call(key, "probe", VdsmError.StorageServerConnectionError,
                () -> connector.probe(uri));
        if (probe.ranFor() != null) {
            meters.probed(type, probe.ranFor().toNanos());
        }
        if (probe.worked()) {
            if (!wasUp) {
                // Found up (already mounted, or back by the host's doing): it came up as a connect would bring it.
                meters.connectTried(type, true);
            }
            return connected(key, grade(probe.value(), probe.millis()), probe.value());
        }
        ConnectorException why = probe.failure();
        if (why.isHung()) {
            // A connect would only queue behind the stuck probe: report the hang, retry later.
            return failed(key, type, why, probe.millis(), wasUp);
        }
        if (why.isRecovering()) {
            // The host brings it back by itself (iscsid): a logout and login now would turn a blip
            // into an outage. Look again after the interval.
            return recovering(key, type, why, probe.millis());
        }
        if (wasUp) {
            // It was up and is not now: say so before trying to bring it back.
            table.observe(key, Observation.failed(why.toLastError(clock.instant()),
                    down(Health.Reason.NOT_CONNECTED, probe.millis())));
        }
        try (LogFields ids = LogFields.key(key)) {
            log.info("key={} connecting", key);
        }
        CallOutcome<Probe> connect = operations.call(key, "connect", VdsmError.StorageServerConnectionError,
                () -> connector.establish(uri));
        meters.connectTried(type, connect.worked());
        if (connect.worked()) {
            if (wasUp) {
                // The probe's failure was recorded above and stays its lastError.
                meters.probeFailed(type, why.error().code());
            }
            // No probe timed since the connect: its delay is not known yet.
            return connected(key, grade(connect.value(), null), connect.value());
        }
        if (connect.failure().isRecovering()) {
            return recovering(key, type, connect.failure(), probe.millis());
        }
        return failed(key, type, connect.failure(), probe.millis(), wasUp);
    }

    /** No CID holds it any more: disconnect, and retry with backoff if that fails. */
    private ReconcileResult release(ConnectionKey key, StorageUri uri, Connector connector) {
        try (LogFields ids = LogFields.key(key)) {
            log.info("key={} disconnecting: no CID holds it", key);
        }
        CallOutcome<Void> disconnect = operations.call(key, "disconnect", VdsmError.StorageServerDisconnectionError,
                () -> {
                    connector.disconnect(uri);
                    return null;
                });
        if (!disconnect.worked()) {
            table.observe(key, Observation.releaseFailed(disconnect.failure().toLastError(clock.instant())));
            return new ReconcileResult.Retry(false);
        }
        if (!table.observe(key, Observation.released())) {
            // Disconnected, but not recorded: still listed as it was, so disconnect (a no-op now)
            // and record again later.
            return new ReconcileResult.Retry(false);
        }
        return new ReconcileResult.Forget();
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

    /** It works: record it, and probe again after the interval. */
    private ReconcileResult connected(ConnectionKey key, Health health, Probe probe) {
        table.observe(key, Observation.connected(health, orPlain(probe).info()));
        return new ReconcileResult.RequeueAfter(settings.probeInterval());
    }

    /**
     * The host recovers it by itself: record it as down for that reason, and look again after the
     * interval. A failed probe is counted once, with the error number its reconcile leaves as the
     * connection's lastError, so the metrics and the list agree.
     */
    private ReconcileResult recovering(ConnectionKey key, StorageType type, ConnectorException why, Long delayMs) {
        meters.probeFailed(type, why.error().code());
        table.observe(key, Observation.failed(why.toLastError(clock.instant()), down(Health.Reason.RECOVERING, delayMs)));
        return new ReconcileResult.RequeueAfter(settings.probeInterval());
    }

    /** Records a failure to keep the connection up ({@code delayMs}: the probe's, if one ran) and backs off. */
    private ReconcileResult failed(ConnectionKey key, StorageType type, ConnectorException why, Long delayMs, boolean wasUp) {
        meters.probeFailed(type, why.error().code());
        table.observe(key, Observation.failed(why.toLastError(clock.instant()), down(Health.Reason.NOT_CONNECTED, delayMs)));
        return new ReconcileResult.Retry(wasUp);
    }

    /** A reconcile thread: takes a key, reconciles it, plans what its result says, until closed. */
    private void work() {
        try {
            for (ConnectionKey key = queue.take(); key != null; key = queue.take()) {
                try {
                    plan(key, reconcileOrRetry(key));
                } catch (CancellationException stopping) {
                    // A connector call cut short by close: what it reports is only the stop.
                    return;
                } finally {
                    queue.done(key);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #reconcile}, and a retry with backoff if it fails unexpectedly, so that no key is stuck. */
    private ReconcileResult reconcileOrRetry(ConnectionKey key) {
        try {
            return reconcile(key);
        } catch (CancellationException stopping) {
            throw stopping;
        } catch (RuntimeException e) {
            try (LogFields ids = LogFields.key(key)) {
                log.error("key={} reconcile failed unexpectedly", key, e);
            }
            return new ReconcileResult.Retry(false);
        }
    }

    /** Hands {@code key} back to the queue as {@code result} says: later, after a backoff, or never. */
    private void plan(ConnectionKey key, ReconcileResult result) {
        if (result instanceof ReconcileResult.RequeueAfter healthy) {
            // Only a key that was retrying has a retry to clear: a healthy probe takes no table lock.
            if (queue.requeueAfter(key, healthy.after())) {
                table.planned(key, null);
            }
        } else if (result instanceof ReconcileResult.Retry retry) {
            queue.retry(key, retry.outage()).ifPresent(backoff -> {
                table.planned(key, new Retry(backoff.failures(), clock.instant().plus(backoff.after())));
                try (LogFields ids = LogFields.key(key)) {
                    log.info("key={} retrying in {} ms (failure {} in a row)", key, backoff.after().toMillis(), backoff.failures());
                }
            });
        } else {
            if (result instanceof ReconcileResult.Terminal terminal) {
                try (LogFields ids = LogFields.key(key)) {
                    log.warn("key={} not retried until it is managed or unmanaged again: {}", key, terminal.error().message());
                }
            }
            if (queue.forget(key)) {
                table.planned(key, null);
            }
        }
    }

    @Override
    public void close() {
        queue.close();
        // Reconcile threads are not interrupted: one may be writing an observation to the store,
        // and an interrupt inside H2's file I/O closes the database. Each finishes its reconcile,
        // except one waiting for a connector call, which close cuts short and which records nothing.
        workers.shutdown();
        operations.close();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("a reconcile still runs after 5 s; stopping without it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
