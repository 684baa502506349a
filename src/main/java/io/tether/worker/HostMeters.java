package io.tether.worker;

import io.tether.connection.HostConnection;
import io.tether.connection.Registry;
import io.tether.metrics.ConnectionSnapshot;
import io.tether.metrics.Meters;
import io.tether.uri.ConnectionKey;

/**
 * Tells the metrics the host's state as a commit left it: each connection it changed, the CID
 * counts, and the last event seq, so a scrape reads them without the service's lock. Used under
 * that lock, after the commit.
 */
final class HostMeters {
    private final Meters.HostState meters;
    private final Registry registry;

    HostMeters(Meters.HostState meters, Registry registry) {
        this.meters = meters;
        this.registry = registry;
    }

    /** Connections {@code keys} changed in a commit that left the last event seq {@code seq}. */
    void committed(Iterable<ConnectionKey> keys, long seq) {
        keys.forEach(this::tellConnection);
        totals(seq);
    }

    /** Connection {@code key} changed in a commit that left the last event seq {@code seq}. */
    void committed(ConnectionKey key, long seq) {
        tellConnection(key);
        totals(seq);
    }

    /**
     * Connection {@code key} and the CID counts, as they are now: after a connector's observation
     * that committed nothing, so the last event seq is as last told.
     */
    void connection(ConnectionKey key) {
        tellConnection(key);
        tellCids();
    }

    private void tellConnection(ConnectionKey key) {
        HostConnection connection = registry.connection(key);
        meters.connection(key, connection == null ? null : new ConnectionSnapshot(connection.uri().type(),
                connection.state(), connection.since(), connection.health(), connection.lastError(),
                connection.cids().size()));
    }

    private void tellCids() {
        meters.cids(registry.size(), registry.strandedWithPrefix(null).size());
    }

    private void totals(long seq) {
        tellCids();
        meters.eventsWritten(seq);
    }
}
