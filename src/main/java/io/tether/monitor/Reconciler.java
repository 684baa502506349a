package io.tether.monitor;

import io.tether.connection.ConnectionKey;
import io.tether.connection.Observation;
import io.tether.connection.StorageUri;
import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Connectors;
import io.tether.connector.VdsmError;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one host connection to its desired state, level-based: it reads what is wanted (CIDs hold
 * it or not) and what the connector sees, and acts on the difference, whatever woke it. At most one
 * reconcile runs per key; a request arriving meanwhile makes it run once more afterwards.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final ConnectionTable table;
    private final Connectors connectors;
    private final Clock clock;
    private final ExecutorService pool;
    private final Set<ConnectionKey> running = new HashSet<>();
    private final Set<ConnectionKey> again = new HashSet<>();

    public Reconciler(ConnectionTable table, Connectors connectors, Clock clock, int threads) {
        this.table = table;
        this.connectors = connectors;
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tether-reconcile");
            t.setDaemon(true);
            return t;
        });
    }

    /** Asks for {@code key} to be reconciled soon; never blocks. */
    public void reconcile(ConnectionKey key) {
        synchronized (running) {
            if (!running.add(key)) {
                again.add(key);
                return;
            }
        }
        pool.execute(() -> runUntilSettled(key));
    }

    private void runUntilSettled(ConnectionKey key) {
        while (true) {
            try {
                reconcileOnce(key);
            } catch (RuntimeException e) {
                log.error("key={} reconcile failed unexpectedly", key, e);
            }
            synchronized (running) {
                if (!again.remove(key)) {
                    running.remove(key);
                    return;
                }
            }
        }
    }

    private void reconcileOnce(ConnectionKey key) {
        Optional<ConnectionTable.Target> target = table.target(key);
        if (target.isEmpty()) {
            return;
        }
        StorageUri uri = target.get().uri();
        Connector connector = connectors.forType(uri.type());
        if (target.get().wanted()) {
            try {
                if (!connector.isConnected(uri)) {
                    log.info("key={} connecting", key);
                    connector.connect(uri);
                }
                table.observe(key, Observation.connected());
            } catch (ConnectorException e) {
                table.observe(key, Observation.failed(e.toLastError(clock.instant())));
            } catch (RuntimeException e) {
                log.error("key={} connector failed unexpectedly", key, e);
                table.observe(key, Observation.failed(unexpected(e).toLastError(clock.instant())));
            }
        } else {
            try {
                log.info("key={} disconnecting: no CID holds it", key);
                connector.disconnect(uri);
                table.observe(key, Observation.released());
            } catch (ConnectorException e) {
                table.observe(key, Observation.releaseFailed(e.toLastError(clock.instant())));
            } catch (RuntimeException e) {
                log.error("key={} connector failed unexpectedly", key, e);
                table.observe(key, Observation.releaseFailed(unexpected(e).toLastError(clock.instant())));
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private static ConnectorException unexpected(RuntimeException e) {
        return new ConnectorException(VdsmError.GeneralException, "connector failed: " + e.getClass().getSimpleName());
    }
}
