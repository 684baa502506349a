package io.tether.testing;

import static org.awaitility.Awaitility.await;

import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Probe;
import io.tether.uri.StorageUri;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wraps a real connector and records every call (kind, connection key, time, URI), so tests can
 * count probes, measure backoff and see what the worker handed over. The calls themselves are the
 * real connector's.
 */
public final class RecordingConnector implements Connector {
    /**
     * One call: "probe", "establish" or "disconnect", as {@link Connector} names them (the monitor's
     * log and metrics call an establish "connect"), when it started and ended, whether it succeeded,
     * and the URI the connector got (credentials included, as the worker hands them over).
     */
    public record Call(String kind, String key, long nanos, long endNanos, boolean ok, StorageUri uri) {
    }

    private final Connector real;
    public final List<Call> calls = new CopyOnWriteArrayList<>();

    public RecordingConnector(Connector real) {
        this.real = real;
    }

    /**
     * Records calls to a connector whose connections exist only in memory: establish and disconnect
     * succeed at once, a probe fails until established. For tests about what reaches the connector (an
     * iSCSI or CIFS URI with its secret), where no storage server exists to contact.
     */
    public static RecordingConnector inMemory() {
        java.util.Set<String> up = ConcurrentHashMap.newKeySet();
        return new RecordingConnector(new Connector() {
            @Override
            public Probe probe(StorageUri uri) throws ConnectorException {
                if (!up.contains(uri.key().value())) {
                    throw new ConnectorException(io.tether.connector.VdsmError.StorageServerConnectionError, "not connected");
                }
                return Probe.PLAIN;
            }

            @Override
            public Probe establish(StorageUri uri) {
                up.add(uri.key().value());
                return Probe.PLAIN;
            }

            @Override
            public void disconnect(StorageUri uri) {
                up.remove(uri.key().value());
            }
        });
    }

    @Override
    public Probe probe(StorageUri uri) throws ConnectorException {
        return record("probe", uri, () -> real.probe(uri));
    }

    @Override
    public Probe establish(StorageUri uri) throws ConnectorException {
        return record("establish", uri, () -> real.establish(uri));
    }

    @Override
    public void disconnect(StorageUri uri) throws ConnectorException {
        record("disconnect", uri, () -> {
            real.disconnect(uri);
            return Probe.PLAIN;
        });
    }

    private interface Body {
        Probe run() throws ConnectorException;
    }

    private Probe record(String kind, StorageUri uri, Body body) throws ConnectorException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            Probe shown = body.run();
            ok = true;
            return shown;
        } finally {
            calls.add(new Call(kind, uri.key().value(), start, System.nanoTime(), ok, uri));
        }
    }

    /** The URI of the first establish of {@code key}, waited for up to {@code timeout}. */
    public StorageUri connectedUri(String key, Duration timeout) {
        await().atMost(timeout).until(() -> !of("establish", key).isEmpty());
        return of("establish", key).get(0).uri();
    }

    public List<Call> of(String kind, String key) {
        return calls.stream().filter(c -> c.kind().equals(kind) && c.key().equals(key)).toList();
    }

    public long count(String kind) {
        return calls.stream().filter(c -> c.kind().equals(kind)).count();
    }

    /** Calls of {@code kind} per key. */
    public Map<String, Integer> perKey(String kind) {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        calls.stream().filter(c -> c.kind().equals(kind)).forEach(c -> counts.merge(c.key(), 1, Integer::sum));
        return counts;
    }
}
