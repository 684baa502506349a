package io.tether.metrics;

import static io.tether.testing.Http.sample;
import static io.tether.testing.Http.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.health.HealthChecks;
import io.tether.uri.ConnectionKey;
import io.tether.uri.InvalidUriException;
import io.tether.uri.StorageType;
import io.tether.uri.UriParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What a scrape shows of the connections and CIDs the worker told the metrics of: each state's
 * start, the failures recorded in a row, CIDs by their connection's state, and the build.
 */
class ConnectionGaugesTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private final TetherMetrics metrics = new TetherMetrics("gauges", () -> HealthChecks.ALWAYS);
    private final ConnectionKey nfs = key("nfs://filer.example/export");
    private final ConnectionKey file = key("file:///srv/one");

    @Test
    void failuresInARowCountEachRecordedErrorUntilTheConnectionWorks() throws Exception {
        metrics.connection(nfs, seen(ConnectionState.CONNECTING, T0, null, 2));
        assertEquals(0, failures());
        LastError refused = new LastError(477, "MountError", "refused", T0.plusSeconds(1));
        metrics.connection(nfs, seen(ConnectionState.DISCONNECTED, T0.plusSeconds(1), refused, 2));
        // The same failure told again (another CID joined) is not another failure.
        metrics.connection(nfs, seen(ConnectionState.DISCONNECTED, T0.plusSeconds(1), refused, 3));
        assertEquals(1, failures());
        metrics.connection(nfs, seen(ConnectionState.DISCONNECTED, T0.plusSeconds(1),
                new LastError(477, "MountError", "refused", T0.plusSeconds(3)), 3));
        assertEquals(2, failures());
        assertEquals(T0.plusSeconds(1).getEpochSecond(),
                value(scrape(), "tether_connection_state_changed_timestamp_seconds", "connection", nfs.value(), "type", "nfs"));

        metrics.connection(nfs, seen(ConnectionState.CONNECTED, T0.plusSeconds(9), null, 3));
        assertEquals(0, failures());
        assertEquals(T0.plusSeconds(9).getEpochSecond(),
                value(scrape(), "tether_connection_state_changed_timestamp_seconds", "connection", nfs.value()));

        metrics.connection(nfs, null);
        assertTrue(sample(scrape(), "tether_connection_failures_in_a_row", "connection", nfs.value()).isEmpty());
    }

    @Test
    void cidsAreCountedByTheStateOfTheirConnectionAndStrandedOnesAsDisconnected() throws Exception {
        metrics.connection(nfs, seen(ConnectionState.CONNECTED, T0, null, 3));
        metrics.connection(file, new ConnectionSnapshot(StorageType.FILE, ConnectionState.DISCONNECTED, T0,
                Health.notConnected(), new LastError(453, "StorageServerValidationError", "missing", T0), 1));
        metrics.cids(5, 1);
        String text = scrape();
        assertEquals(5, value(text, "tether_cids"));
        assertEquals(3, value(text, "tether_cids_by_state", "state", "CONNECTED"));
        assertEquals(2, value(text, "tether_cids_by_state", "state", "DISCONNECTED"));
        assertEquals(0, value(text, "tether_cids_by_state", "state", "CONNECTING"));
        assertEquals(1, value(text, "tether_connection_failures_in_a_row", "connection", file.value(), "type", "file"));
    }

    @Test
    void theWorkerInfoCarriesTheBuildsVersionAndRevision() throws Exception {
        BuildInfo build = BuildInfo.current();
        assertTrue(build.version().matches("\\d+\\.\\d+\\.\\d+.*"), build.toString());
        assertEquals(1, value(scrape(), "tether_worker_info", "host", "gauges", "version", build.version(),
                "revision", build.revision()));
    }

    private double failures() throws Exception {
        return value(scrape(), "tether_connection_failures_in_a_row", "connection", nfs.value(), "type", "nfs");
    }

    private static ConnectionSnapshot seen(ConnectionState state, Instant since, LastError error, int cids) {
        return new ConnectionSnapshot(StorageType.NFS, state, since, null, error, cids);
    }

    private static ConnectionKey key(String uri) {
        try {
            return UriParser.parse(uri).key();
        } catch (InvalidUriException e) {
            throw new AssertionError(e);
        }
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
