package io.tether.monitor;

import io.tether.connection.ConnectionKey;
import io.tether.connection.ConnectionState;
import io.tether.connection.Observation;
import io.tether.connection.StorageUri;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Connectors;
import io.tether.connector.VdsmError;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every host connection at its desired state, level-based like a Kubernetes controller's
 * {@code Reconcile(key)}: it reads what is wanted (CIDs hold the connection, or none do) and what
 * the connector sees, acts on the difference, and returns when to look again ("requeue after"):
 * the probe interval when connected, the retry backoff after a failure. It never asks what woke
 * it: a manage, a Quartz trigger and a restart all run the same code.
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
        int failures;
    }

    private final ConnectionTable table;
    private final Connectors connectors;
    private final Clock clock;
    private final MonitorSettings settings;
    private final Operations operations;
    private final ProbeSchedule schedule;
    // Runs the decisions between connector calls; they are quick and touch the table, so one thread
    // keeps them in order and off the operation threads.
    private final ExecutorService decisions = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tether-reconcile");
        t.setDaemon(true);
        return t;
    });
    private final Map<ConnectionKey, KeyState> keys = new ConcurrentHashMap<>();

    public Reconciler(ConnectionTable table, Connectors connectors, Clock clock, MonitorSettings settings)
            throws SchedulerException {
        this.table = table;
        this.connectors = connectors;
        this.clock = clock;
        this.settings = settings;
        this.operations = new Operations(settings.operationThreads(), settings.operationTimeout());
        this.schedule = new ProbeSchedule(this::reconcile);
    }

    /** Asks for {@code key} to be reconciled now; never blocks. */
    public void reconcile(ConnectionKey key) {
        KeyState state = keys.computeIfAbsent(key, k -> new KeyState());
        synchronized (state) {
            if (state.running) {
                state.again = true;
                return;
            }
            state.running = true;
        }
        decisions.execute(() -> run(key, state));
    }

    /** Connections with a reconcile planned (one per tracked connection, never one per CID). */
    public int scheduledConnections() {
        return schedule.planned();
    }

    private void run(ConnectionKey key, KeyState state) {
        Optional<ConnectionTable.Target> target = table.target(key);
        if (target.isEmpty()) {
            finish(key, state, null);
            return;
        }
        CompletableFuture<Duration> next = target.get().wanted()
                ? keepConnected(key, state, target.get())
                : release(key, state, target.get().uri());
        next.whenCompleteAsync((delay, failure) -> {
            if (failure != null) {
                log.error("key={} reconcile failed unexpectedly", key, failure);
                delay = settings.retry().delay(++state.failures);
            }
            finish(key, state, delay);
        }, decisions);
    }

    /** Probe; if not connected, connect. */
    private CompletableFuture<Duration> keepConnected(ConnectionKey key, KeyState state, ConnectionTable.Target target) {
        StorageUri uri = target.uri();
        Connector connector = connectors.forType(uri.type());
        return operations.start(key, "probe", VdsmError.StorageServerConnectionError, () -> connector.check(uri))
                .handleAsync((ok, probeFailure) -> {
                    if (probeFailure == null) {
                        return CompletableFuture.completedFuture(connected(key, state));
                    }
                    ConnectorException why = Operations.cause(probeFailure);
                    if (why.isHung()) {
                        // A connect would only queue behind the stuck probe: report the hang, retry later.
                        return CompletableFuture.completedFuture(failed(key, state, why));
                    }
                    if (target.state() == ConnectionState.CONNECTED) {
                        // It was up and is not now: say so before trying to bring it back.
                        table.observe(key, Observation.failed(why.toLastError(clock.instant())));
                    }
                    log.info("key={} connecting", key);
                    return operations.start(key, "connect", VdsmError.StorageServerConnectionError, () -> connector.connect(uri))
                            .handleAsync((ok2, connectFailure) -> connectFailure == null
                                    ? connected(key, state)
                                    : failed(key, state, Operations.cause(connectFailure)), decisions);
                }, decisions)
                .thenCompose(f -> f);
    }

    /** No CID holds it any more: disconnect, and retry with backoff if that fails. */
    private CompletableFuture<Duration> release(ConnectionKey key, KeyState state, StorageUri uri) {
        log.info("key={} disconnecting: no CID holds it", key);
        Connector connector = connectors.forType(uri.type());
        return operations.start(key, "disconnect", VdsmError.StorageServerDisconnectionError, () -> connector.disconnect(uri))
                .handleAsync((ok, failure) -> {
                    if (failure == null) {
                        table.observe(key, Observation.released());
                        return null;
                    }
                    ConnectorException why = Operations.cause(failure);
                    table.observe(key, Observation.releaseFailed(why.toLastError(clock.instant())));
                    return settings.retry().delay(++state.failures);
                }, decisions);
    }

    private Duration connected(ConnectionKey key, KeyState state) {
        state.failures = 0;
        table.observe(key, Observation.connected());
        return settings.probeInterval();
    }

    private Duration failed(ConnectionKey key, KeyState state, ConnectorException why) {
        table.observe(key, Observation.failed(why.toLastError(clock.instant())));
        Duration delay = settings.retry().delay(++state.failures);
        log.info("key={} retrying in {} ms (failure {} in a row)", key, delay.toMillis(), state.failures);
        return delay;
    }

    /** Plans the next reconcile, or runs it now if one was asked for meanwhile. */
    private void finish(ConnectionKey key, KeyState state, Duration requeueAfter) {
        boolean again;
        synchronized (state) {
            again = state.again;
            state.again = false;
            state.running = again;
        }
        if (again) {
            decisions.execute(() -> run(key, state));
        } else if (requeueAfter != null) {
            schedule.requeue(key, requeueAfter);
        } else {
            schedule.cancel(key);
            synchronized (state) {
                if (!state.running) {
                    keys.remove(key, state);
                }
            }
        }
    }

    @Override
    public void close() {
        schedule.close();
        decisions.shutdownNow();
        operations.close();
    }
}
