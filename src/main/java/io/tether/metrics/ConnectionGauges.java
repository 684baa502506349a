package io.tether.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageType;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gauges of the host's connections and CIDs, read at scrape time from the last
 * {@link ConnectionSnapshot} of each connection: counts by type and state, one connection's state,
 * health, probe delay, state change time and failures in a row, and CIDs by state.
 *
 * <p>Written by the thread that tells a change (under the worker's lock, one change at a time),
 * read by scrapes: a concurrent map of immutable entries, so a scrape sees each connection as one
 * change left it.
 */
final class ConnectionGauges {
    private static final StorageType[] TYPES = StorageType.values();
    private static final ConnectionState[] STATES = ConnectionState.values();
    private static final Health.Status[] HEALTH_STATUSES = Health.Status.values();

    /** A connection's last snapshot and the failures recorded for it since it was last up. */
    private record Tracked(ConnectionSnapshot seen, int failuresInARow) {
        Tracked next(ConnectionSnapshot now) {
            if (now.lastError() == null) {
                return new Tracked(now, now.state() == ConnectionState.CONNECTED ? 0 : failuresInARow);
            }
            // Every failure the monitor records is a new LastError (its own time): one told again
            // with an unrelated change is the same one, not another failure.
            boolean another = !Objects.equals(now.lastError(), seen.lastError());
            return new Tracked(now, another ? failuresInARow + 1 : failuresInARow);
        }
    }

    private final Map<ConnectionKey, Tracked> connections = new ConcurrentHashMap<>();
    private volatile int managedCids;
    private volatile int strandedCids;

    ConnectionGauges(PrometheusRegistry registry) {
        GaugeWithCallback.builder().name("tether_cids").help("Managed CIDs.")
                .callback(cb -> cb.call(managedCids)).register(registry);
        GaugeWithCallback.builder().name("tether_cids_by_state")
                .help("Managed CIDs by the state of the connection each holds (a stranded CID is DISCONNECTED);"
                        + " every state is present, 0 where none.")
                .labelNames("state").callback(cb -> {
                    int[] counts = new int[STATES.length];
                    connections.values().forEach(t -> counts[t.seen().state().ordinal()] += t.seen().cids());
                    counts[ConnectionState.DISCONNECTED.ordinal()] += strandedCids;
                    for (ConnectionState state : STATES) {
                        cb.call(counts[state.ordinal()], state.name());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("tether_connections")
                .help("Host connections by storage type and state; every state is present, 0 where none.")
                .labelNames("type", "state").callback(cb -> {
                    int[][] counts = new int[TYPES.length][STATES.length];
                    connections.values().forEach(t -> counts[t.seen().type().ordinal()][t.seen().state().ordinal()]++);
                    for (StorageType type : TYPES) {
                        for (ConnectionState state : STATES) {
                            cb.call(counts[type.ordinal()][state.ordinal()], type.scheme(), state.name());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("tether_connection_state")
                .help("1 for the state each host connection is in, 0 for the others; connection is its key,"
                        + " which never holds credentials.")
                .labelNames("connection", "type", "state").callback(cb -> connections.forEach((key, t) -> {
                    for (ConnectionState state : STATES) {
                        cb.call(t.seen().state() == state ? 1 : 0, key.value(), t.seen().type().scheme(), state.name());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("tether_connection_state_changed_timestamp_seconds")
                .help("When each host connection entered its state, in seconds since the epoch: time() minus it is"
                        + " the state's age.")
                .labelNames("connection", "type").callback(cb -> connections.forEach((key, t) ->
                        cb.call(t.seen().since().toEpochMilli() / 1000.0, key.value(), t.seen().type().scheme())))
                .register(registry);
        GaugeWithCallback.builder().name("tether_connection_failures_in_a_row")
                .help("Failures recorded for each host connection (its lastError) since it was last CONNECTED"
                        + " without one; 0 while it works.")
                .labelNames("connection", "type").callback(cb -> connections.forEach((key, t) ->
                        cb.call(t.failuresInARow(), key.value(), t.seen().type().scheme())))
                .register(registry);
        GaugeWithCallback.builder().name("tether_connection_delay_seconds")
                .help("How long each host connection's last probe took (docs/monitoring.md, \"Health\"); absent"
                        + " before its first probe.")
                .labelNames("connection", "type").callback(cb -> connections.forEach((key, t) -> {
                    Health health = t.seen().health();
                    if (health != null && health.delayMs() != null) {
                        cb.call(health.delayMs() / 1000.0, key.value(), t.seen().type().scheme());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("tether_connection_health")
                .help("1 for the health status (OK or DEGRADED) each host connection has, 0 for the other.")
                .labelNames("connection", "type", "status").callback(cb -> connections.forEach((key, t) -> {
                    Health health = t.seen().health();
                    if (health != null) {
                        for (Health.Status status : HEALTH_STATUSES) {
                            cb.call(health.status() == status ? 1 : 0, key.value(), t.seen().type().scheme(), status.name());
                        }
                    }
                })).register(registry);
    }

    /** Connection {@code key} as a change left it; null when the worker no longer tracks it. */
    void connection(ConnectionKey key, ConnectionSnapshot seen) {
        if (seen == null) {
            connections.remove(key);
        } else {
            connections.compute(key, (k, before) -> before == null
                    ? new Tracked(seen, seen.lastError() == null ? 0 : 1)
                    : before.next(seen));
        }
    }

    /** The managed CIDs, of which {@code stranded} hold no connection (listed DISCONNECTED). */
    void cids(int managed, int stranded) {
        managedCids = managed;
        strandedCids = stranded;
    }
}
