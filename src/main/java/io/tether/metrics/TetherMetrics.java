package io.tether.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tether.api.ErrorCode;
import io.tether.api.Outcome;
import io.tether.api.Request;
import io.tether.api.RpcError;
import io.tether.api.StatusEvent;
import io.tether.health.HealthChecks;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The worker's Prometheus metrics (docs/metrics.md) in a registry of its own:
 * the meters the worker's parts record into ({@link Meters}), gauges read from what they last told
 * it, and the JVM's and process's standard metrics.
 *
 * <p>A scrape reads only memory: counters and histograms, a concurrent map of connection states and
 * a few volatile numbers, all written by the parts as things happen. It never calls a connector,
 * runs a command or takes the worker's or the store's lock, so a hung storage server cannot hang it.
 *
 * <p>Every series a request can touch is made up front, so recording a request is an array lookup
 * and an increment, without building label lists.
 */
public final class TetherMetrics implements Meters.Requests, Meters.HostState, Meters.Monitor, Meters.Events, Meters.Commits {
    /** The {@code method} label of a call whose method is not one of the contract's. */
    static final String INVALID_METHOD = "invalid";
    private static final String OK = "ok";

    private static final double[] REQUEST_BUCKETS =
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    // Up to past the longest operation timeout anyone sets: a hung probe is observed at its timeout.
    private static final double[] PROBE_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final double[] COMMIT_BUCKETS =
            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

    private static final List<String> METHODS = Request.METHODS;
    private static final StorageType[] TYPES = StorageType.values();
    private static final StatusEvent.Change[] CHANGES = StatusEvent.Change.values();

    private final PrometheusRegistry registry = new PrometheusRegistry();

    /** [method][0 = ok, 1 + ErrorCode.ordinal()]; the last method row is {@link #INVALID_METHOD}. */
    private final CounterDataPoint[][] requests;
    private final DistributionDataPoint[] requestDurations;
    private final DistributionDataPoint[] probeDurations;
    private final Counter probeFailures;
    private final Map<Long, CounterDataPoint> probeFailuresByTypeAndCode = new ConcurrentHashMap<>();
    /** [type][0 = ok, 1 = failed]. */
    private final CounterDataPoint[][] connects;
    private final Counter eventsPublished;
    private final CounterDataPoint[] eventsPublishedByChange;
    private final DistributionDataPoint commits;

    private final ConnectionGauges connectionGauges;
    private volatile long eventsWritten;
    private volatile long eventsPublishedUpTo;

    /**
     * @param hostId the worker's host id, the {@code host} label of {@code tether_worker_info}
     * @param health what {@code tether_readiness_check} reports
     */
    public TetherMetrics(String hostId, Supplier<HealthChecks> health) {
        Counter requestCounter = Counter.builder().name("tether_requests")
                .help("Calls of request messages answered, by method and outcome (ok or the error's name).")
                .labelNames("method", "outcome").register(registry);
        Histogram requestHistogram = Histogram.builder().name("tether_request_duration_seconds")
                .help("From a request message's arrival to its reply being sent, by method.")
                .labelNames("method").classicOnly().classicUpperBounds(REQUEST_BUCKETS).withoutExemplars()
                .register(registry);
        ErrorCode[] errors = ErrorCode.values();
        requests = new CounterDataPoint[METHODS.size() + 1][1 + errors.length];
        requestDurations = new DistributionDataPoint[METHODS.size() + 1];
        for (int m = 0; m <= METHODS.size(); m++) {
            String method = m < METHODS.size() ? METHODS.get(m) : INVALID_METHOD;
            requests[m][0] = requestCounter.labelValues(method, OK);
            for (ErrorCode error : errors) {
                requests[m][1 + error.ordinal()] = requestCounter.labelValues(method, error.name());
            }
            requestDurations[m] = requestHistogram.labelValues(method);
        }

        Histogram probeHistogram = Histogram.builder().name("tether_probe_duration_seconds")
                .help("How long probes of host connections took, by storage type (a hung probe counts its timeout).")
                .labelNames("type").classicOnly().classicUpperBounds(PROBE_BUCKETS).withoutExemplars()
                .register(registry);
        probeFailures = Counter.builder().name("tether_probe_failures")
                .help("Probes that failed, by storage type and the VDSM error number recorded as the connection's lastError.")
                .labelNames("type", "code").register(registry);
        Counter connectCounter = Counter.builder().name("tether_connects")
                .help("Connects, by storage type and outcome: ok for a connection that came up (connected, or found up by"
                        + " its probe), failed for a connect that failed.")
                .labelNames("type", "outcome").register(registry);
        probeDurations = new DistributionDataPoint[TYPES.length];
        connects = new CounterDataPoint[TYPES.length][2];
        for (StorageType type : TYPES) {
            probeDurations[type.ordinal()] = probeHistogram.labelValues(type.scheme());
            connects[type.ordinal()][0] = connectCounter.labelValues(type.scheme(), OK);
            connects[type.ordinal()][1] = connectCounter.labelValues(type.scheme(), "failed");
        }

        eventsPublished = Counter.builder().name("tether_events_published")
                .help("Status events published to the host's topic, by change.")
                .labelNames("change").register(registry);
        eventsPublishedByChange = new CounterDataPoint[CHANGES.length];
        for (StatusEvent.Change change : CHANGES) {
            eventsPublishedByChange[change.ordinal()] = eventsPublished.labelValues(change.name());
        }
        GaugeWithCallback.builder().name("tether_event_outbox")
                .help("Status events written but not yet published.")
                .callback(cb -> cb.call(Math.max(0, eventsWritten - eventsPublishedUpTo))).register(registry);
        commits = Histogram.builder().name("tether_store_commit_duration_seconds")
                .help("How long the store's transaction commits took.")
                .classicOnly().classicUpperBounds(COMMIT_BUCKETS).withoutExemplars().register(registry);

        connectionGauges = new ConnectionGauges(registry);

        GaugeWithCallback.builder().name("tether_readiness_check")
                .help("1 while a readiness check (store, broker, consumer) passes, 0 while it fails; /readyz says why.")
                .labelNames("check").callback(cb -> health.get().readiness()
                        .forEach(check -> cb.call(check.ok() ? 1 : 0, check.name()))).register(registry);
        BuildInfo build = BuildInfo.current();
        Info.builder().name("tether_worker").help("The worker's host id, and the version and git revision of its build.")
                .labelNames("host", "version", "revision").register(registry)
                .setLabelValues(hostId, build.version(), build.revision());

        // The JVM's and the process's metrics, each reading the JVM's management beans or /proc/self;
        // not the native memory one, which runs a diagnostic command, nor the allocation one, which
        // adds a listener to the collectors for the JVM's life.
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** What {@code /metrics} exposes. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void handled(String method, Outcome outcome) {
        requests[methodIndex(method)][outcome instanceof RpcError e ? 1 + e.code().ordinal() : 0].inc();
    }

    @Override
    public void answered(String method, long nanos) {
        requestDurations[methodIndex(method)].observe(nanos / 1e9);
    }

    private static int methodIndex(String method) {
        int i = METHODS.indexOf(method);
        return i >= 0 ? i : METHODS.size();
    }

    @Override
    public void connection(ConnectionKey key, ConnectionSnapshot seen) {
        connectionGauges.connection(key, seen);
    }

    @Override
    public void cids(int managed, int stranded) {
        connectionGauges.cids(managed, stranded);
    }

    @Override
    public void eventsWritten(long seq) {
        eventsWritten = seq;
    }

    @Override
    public void probed(StorageType type, long nanos) {
        probeDurations[type.ordinal()].observe(nanos / 1e9);
    }

    @Override
    public void probeFailed(StorageType type, int code) {
        probeFailuresByTypeAndCode.computeIfAbsent(((long) type.ordinal() << 32) | (code & 0xffffffffL),
                k -> probeFailures.labelValues(type.scheme(), Integer.toString(code))).inc();
    }

    @Override
    public void connectTried(StorageType type, boolean ok) {
        connects[type.ordinal()][ok ? 0 : 1].inc();
    }

    @Override
    public void published(String change) {
        for (StatusEvent.Change known : CHANGES) {
            if (known.name().equals(change)) {
                eventsPublishedByChange[known.ordinal()].inc();
                return;
            }
        }
        eventsPublished.labelValues(change).inc();
    }

    @Override
    public void publishedUpTo(long seq) {
        eventsPublishedUpTo = seq;
    }

    @Override
    public void committed(long nanos) {
        commits.observe(nanos / 1e9);
    }
}
