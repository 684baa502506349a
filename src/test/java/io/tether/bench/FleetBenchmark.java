package io.tether.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Results;
import io.tether.client.HostResult;
import io.tether.client.TetherClient;
import io.tether.monitor.MonitorSettings;
import io.tether.testing.Host;
import io.tether.testing.SimulatedStorage;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.StandaloneArtemis;
import io.tether.uri.StorageType;
import io.tether.worker.Worker;
import io.tether.worker.WorkerConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of hosts on one standalone Artemis, all using one storage server, and an engine that
 * drives them with {@link TetherClient}'s many-host calls. Each host is a real {@link Worker} (its
 * own H2 store, request consumer, reconciler and event publisher, its own two broker connections),
 * all in this JVM; only the storage server is simulated ({@link SimulatedStorage}: a server that
 * hundreds of hosts mount, and that goes down and comes back on cue, is what this machine cannot
 * have). Measures: the engine managing one CID on every host (fan-out), a list on every host at
 * once, an outage of the server (time until every host reported it), its return (the reconnect
 * storm: connect attempts per second the server sees), and what the fleet costs the broker and
 * what each worker costs. Monitor settings are the defaults, except the operation threads
 * ({@code -Dbench.operationThreads}, 2: each host has one connection).
 *
 * <p>{@code -Dbench.hosts=N} (500), {@code -Dbench.outageSeconds=S} (30: how long the server stays
 * down), {@code -Dbench.reconnectSpread=S} (the default 10; 0 for the first retry after the first
 * backoff step), {@code -Dbench.idleSeconds=S} (30: the window for the idle message rate). Needs the
 * Artemis distribution that {@code mvn verify} unpacks into target/artemis (or
 * {@code -Dartemis.home}).
 */
class FleetBenchmark {
    private static final int HOSTS = Integer.getInteger("bench.hosts", 500);
    private static final int OUTAGE_SECONDS = Integer.getInteger("bench.outageSeconds", 30);
    private static final int IDLE_SECONDS = Integer.getInteger("bench.idleSeconds", 30);
    private static final int OPERATION_THREADS = Integer.getInteger("bench.operationThreads", 2);
    private static final int START_THREADS = Integer.getInteger("bench.startThreads", 4);
    private static final Duration SPREAD = Duration.ofMillis(Math.round(1000 * Double.parseDouble(
            System.getProperty("bench.reconnectSpread", String.valueOf(MonitorSettings.DEFAULT_RECONNECT_SPREAD.toSeconds())))));
    private static final String CID = "fleet-data";
    private static final String URI = "nfs://192.0.2.10/export/fleet";

    @TempDir
    Path tmp;

    /** Per host, the first time (System.nanoTime) its events showed the CID in a state, since {@link #reset}. */
    private final Map<String, Map<String, Long>> firstInState = new ConcurrentHashMap<>();

    @Test
    void fleet() throws Exception {
        System.out.println("FleetBenchmark on " + Machine.describe());
        MonitorSettings monitor = MonitorSettings.defaults().withReconnectSpread(SPREAD);
        monitor = new MonitorSettings(monitor.probeInterval(), monitor.operationTimeout(), monitor.retry(), OPERATION_THREADS,
                monitor.healthDelayThreshold(), monitor.reconnectSpread());
        System.out.printf("%d hosts asked; monitor: probe every %d s, timeout %d s, backoff %s, reconnect spread %.1f s,"
                + " %d operation threads per worker%n", HOSTS, monitor.probeInterval().toSeconds(),
                monitor.operationTimeout().toSeconds(), monitor.retry(), monitor.reconnectSpread().toMillis() / 1000.0,
                OPERATION_THREADS);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            ids.add(String.format("fleet-%04d", i));
        }
        long setup = System.nanoTime();
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")))) {
            broker.stop();
            addHosts(broker, ids);
            broker.start();
            System.out.printf("broker with %d hosts set up in %.1f s%n", HOSTS, seconds(setup));
            SimulatedStorage storage = new SimulatedStorage(Duration.ofMinutes(10));
            List<Worker> workers = Collections.synchronizedList(new ArrayList<>());
            try {
                Cost before = Cost.now();
                int started = startWorkers(broker, ids, storage, monitor, workers);
                Cost after = Cost.now();
                System.out.printf("%d workers started; each costs %s%n", started, after.minus(before).per(started));
                Set<String> hosts = new LinkedHashSet<>(ids.subList(0, started));
                run(broker, hosts, storage, monitor);
            } finally {
                long stopping = System.nanoTime();
                storage.up();
                // Many at a time: a worker's stop mostly waits (for its threads to end, for the broker).
                ExecutorService closing = Executors.newFixedThreadPool(64);
                workers.forEach(w -> closing.execute(w::close));
                closing.shutdown();
                closing.awaitTermination(10, TimeUnit.MINUTES);
                System.out.printf("%d workers stopped in %.1f s%n", workers.size(), seconds(stopping));
            }
        }
    }

    private void run(StandaloneArtemis broker, Set<String> hosts, SimulatedStorage storage, MonitorSettings monitor)
            throws Exception {
        int n = hosts.size();
        try (TetherClient engine = TetherClient.connect(broker.url(), "engine", broker.engineLogin().password())) {
            engine.watchByHost(null, (host, params) -> record(params));

            // Fan-out: one CID for the same storage on every host, then every CONNECTED event.
            reset();
            long start = System.nanoTime();
            Map<String, HostResult<Results.Managed>> managed = engine.manage(hosts, CID, URI, Duration.ofMinutes(2));
            double replied = seconds(start);
            assertEquals(n, managed.values().stream().filter(HostResult::ok).count(), failures(managed));
            Map<String, HostResult<TetherClient.WaitResult>> waited = engine.awaitConnected(hosts, CID, Duration.ofMinutes(3));
            double allConnected = seconds(start);
            assertEquals(n, waited.values().stream().filter(r -> r.ok() && r.value().outcome() == TetherClient.WaitOutcome.CONNECTED)
                    .count(), failures(waited));
            awaitState(hosts, "CONNECTED", Duration.ofSeconds(30));
            System.out.printf("fan-out: %d manages replied in %.2f s; every host CONNECTED after %.2f s;"
                    + " per host, CONNECTED event after %s%n", n, replied, allConnected, since(start, "CONNECTED"));

            // A list on every host, all in flight together.
            for (int round = 0; round < 3; round++) {
                long listing = System.nanoTime();
                Map<String, HostResult<Results.StorageServerList>> lists = engine.list(hosts, null, Duration.ofMinutes(1));
                double took = seconds(listing);
                assertEquals(n, lists.values().stream().filter(r -> r.ok() && r.value().connections().containsKey(CID)).count(),
                        failures(lists));
                System.out.printf("list everywhere, round %d: %d lists in %.2f s%n", round + 1, n, took);
            }

            // What the healthy fleet costs the broker: probes of healthy connections send nothing.
            idle(broker, n, storage, monitor);

            // Outage: the server goes down for every host at once.
            reset();
            long down = System.nanoTime();
            storage.down();
            Duration outageDetected = Duration.ofSeconds(OUTAGE_SECONDS)
                    .plus(monitor.probeInterval()).plus(monitor.operationTimeout()).plusSeconds(60);
            awaitState(hosts, "DISCONNECTED", outageDetected);
            System.out.printf("outage: every host reported DISCONNECTED after %.2f s (expected at most a probe interval"
                    + " plus the operation timeout, %d s); per host %s; calls blocked on the server: %d%n",
                    (last("DISCONNECTED") - down) / 1e9, monitor.probeInterval().plus(monitor.operationTimeout()).toSeconds(),
                    since(down, "DISCONNECTED"), storage.blocked());
            long upAt = down + TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS);
            long wait = upAt - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }

            // The server is back: the reconnect storm.
            reset();
            long connectsBefore = storage.connects();
            long back = System.nanoTime();
            long backSecond = System.currentTimeMillis() / 1000;
            storage.up();
            Duration limit = monitor.retry().max().plus(monitor.probeInterval());
            awaitState(hosts, "CONNECTED", limit.plusMinutes(2));
            double reconnected = (last("CONNECTED") - back) / 1e9;
            Thread.sleep(2000);
            SortedMap<Long, Integer> storm = storage.connectsBySecond().tailMap(backSecond);
            int peak = storm.values().stream().max(Integer::compare).orElse(0);
            System.out.printf("reconnect storm: server down %d s; back: every host CONNECTED after %.2f s (goal: within"
                    + " the longest backoff plus a probe interval, %d s: %s); per host %s%n", OUTAGE_SECONDS, reconnected,
                    limit.toSeconds(), reconnected <= limit.toSeconds() ? "met" : "NOT met", since(back, "CONNECTED"));
            System.out.printf("reconnect storm: %d connect attempts (%d hosts); busiest second %d = %.1f%% of the fleet"
                    + " (goal: at most 20%%: %s)%n", storage.connects() - connectsBefore, n, peak, 100.0 * peak / n,
                    peak <= n / 5.0 ? "met" : "NOT met");
            System.out.println("reconnect storm, connect attempts per second since the server came back (s: attempts):");
            System.out.println("  " + storm.entrySet().stream().map(e -> (e.getKey() - backSecond) + ":" + e.getValue())
                    .collect(Collectors.joining(" ")));
        }
    }

    /** Messages and probes while every host is connected and nothing is asked; broker heap and connections. */
    private void idle(StandaloneArtemis broker, int n, SimulatedStorage storage, MonitorSettings monitor) throws Exception {
        // Settled first: the fan-out's events are out.
        Thread.sleep(2000);
        long events = eventCount();
        long probes = storage.probes();
        long connects = storage.connects();
        long cpu = cpuNanos();
        Thread.sleep(IDLE_SECONDS * 1000L);
        double cores = (cpuNanos() - cpu) / 1e9 / IDLE_SECONDS;
        long sent = eventCount() - events;
        System.out.printf("idle %d s: this JVM (the %d workers, the engine) used %.2f cores, %.3f%% of a core per worker%n",
                IDLE_SECONDS, n, cores, 100 * cores / n);
        System.out.printf("idle %d s: %d event messages (%.2f/s), %d probes (%.1f/s; expected one per host per %d s),"
                + " %d connects%n", IDLE_SECONDS, sent, sent / (double) IDLE_SECONDS, storage.probes() - probes,
                (storage.probes() - probes) / (double) IDLE_SECONDS, monitor.probeInterval().toSeconds(),
                storage.connects() - connects);
        ProcessHandle java = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("java") && c.contains(broker.instance().toString()))
                        .orElse(false))
                .findFirst().orElse(null);
        if (java == null) {
            System.out.println("broker: its java process not found; no heap figure");
        } else {
            Host.run(60, "jcmd", String.valueOf(java.pid()), "GC.run");
            String heap = Host.run(60, "jcmd", String.valueOf(java.pid()), "GC.heap_info").output();
            Matcher used = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(heap);
            int port = Integer.parseInt(broker.url().substring(broker.url().lastIndexOf(':') + 1));
            int connections = establishedTo(port);
            if (used.find()) {
                System.out.printf("broker: heap after a full GC %d MiB (%d MiB committed), %.2f MiB per host%n",
                        Long.parseLong(used.group(2)) / 1024, Long.parseLong(used.group(1)) / 1024,
                        Long.parseLong(used.group(2)) / 1024.0 / n);
            } else {
                System.out.println("broker: no heap figure from jcmd: " + heap.lines().limit(3).toList());
            }
            System.out.printf("broker: %d AMQP connections, %.2f per host (the engine's one included)%n",
                    connections, connections / (double) n);
        }
    }

    private final java.util.concurrent.atomic.AtomicLong events = new java.util.concurrent.atomic.AtomicLong();

    private long eventCount() {
        return events.get();
    }

    /** Per host, the connection key that holds the CID, from the events that add and remove it. */
    private final Map<String, String> keyOfCid = new ConcurrentHashMap<>();

    private void record(JsonNode event) {
        events.incrementAndGet();
        long now = System.nanoTime();
        String host = event.path("hostId").asText();
        String key = event.path("connectionKey").asText();
        boolean named = false;
        for (JsonNode id : event.path("changedIds")) {
            named |= CID.equals(id.asText());
        }
        // An event names the CIDs it adds or removes; a state event applies to every CID of its connection.
        if (named && "MANAGED".equals(event.path("change").asText())) {
            keyOfCid.put(host, key);
        } else if (named && "UNMANAGED".equals(event.path("change").asText())) {
            keyOfCid.remove(host, key);
            return;
        }
        if (key.equals(keyOfCid.get(host))) {
            firstInState.computeIfAbsent(event.path("state").asText(), s -> new ConcurrentHashMap<>()).putIfAbsent(host, now);
        }
    }

    private void reset() {
        firstInState.clear();
    }

    private void awaitState(Set<String> hosts, String state, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Long> seen = firstInState.getOrDefault(state, Map.of());
            if (seen.keySet().containsAll(hosts)) {
                return;
            }
            Thread.sleep(50);
        }
        Set<String> missing = new LinkedHashSet<>(hosts);
        missing.removeAll(firstInState.getOrDefault(state, Map.of()).keySet());
        throw new AssertionError(missing.size() + " hosts did not report " + state + " within " + within + ": "
                + missing.stream().limit(10).toList());
    }

    private long last(String state) {
        return firstInState.get(state).values().stream().max(Long::compare).orElseThrow();
    }

    private String since(long start, String state) {
        long[] nanos = firstInState.get(state).values().stream().mapToLong(t -> t - start).toArray();
        return Stats.ofNanos(nanos).millis();
    }

    private static String failures(Map<String, ? extends HostResult<?>> results) {
        return results.values().stream().filter(r -> !r.ok()).limit(5)
                .map(r -> r.hostId() + ": " + r.failure().getMessage()).collect(Collectors.joining("; "));
    }

    /**
     * Starts the workers, several at a time, until all run or one cannot start (memory, threads,
     * file descriptors): then says where the limit was and goes on with those that run.
     */
    private int startWorkers(StandaloneArtemis broker, List<String> ids, SimulatedStorage storage, MonitorSettings monitor,
            List<Worker> workers) throws Exception {
        long start = System.nanoTime();
        // One sealing key for all: making 500 RSA keys is not what is measured.
        workers.add(Worker.start(config(broker, ids.get(0), storage, monitor)));
        Path key = tmp.resolve("hosts").resolve(ids.get(0)).resolve(Worker.SEALING_KEY_FILE);
        ExecutorService pool = Executors.newFixedThreadPool(START_THREADS);
        List<Future<?>> starts = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> limit = new java.util.concurrent.atomic.AtomicReference<>();
        for (String id : ids.subList(1, ids.size())) {
            starts.add(pool.submit(() -> {
                if (limit.get() != null) {
                    return null;
                }
                try {
                    Path data = Files.createDirectories(tmp.resolve("hosts").resolve(id),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    Files.copy(key, data.resolve(Worker.SEALING_KEY_FILE), StandardCopyOption.COPY_ATTRIBUTES);
                    workers.add(Worker.start(config(broker, id, storage, monitor)));
                    if (workers.size() % 50 == 0) {
                        System.out.printf("  %d workers running after %.1f s; %s%n", workers.size(), seconds(start), Cost.now());
                    }
                } catch (Throwable e) {
                    limit.compareAndSet(null, e);
                }
                return null;
            }));
        }
        for (Future<?> f : starts) {
            f.get();
        }
        pool.shutdown();
        if (limit.get() != null) {
            System.out.printf("LIMIT: worker %d of %d did not start: %s; going on with %d (%s)%n", workers.size() + 1,
                    ids.size(), limit.get(), workers.size(), Cost.now());
        }
        System.out.printf("%d workers started in %.1f s (%d at a time)%n", workers.size(), seconds(start), START_THREADS);
        // The fleet goes on with the hosts that run, in id order.
        Set<String> running = workers.stream().map(w -> w.config().hostId()).collect(Collectors.toSet());
        List<String> order = ids.stream().filter(running::contains).toList();
        if (order.size() != ids.size()) {
            ids.retainAll(order);
        }
        return workers.size();
    }

    private WorkerConfig config(StandaloneArtemis broker, String id, SimulatedStorage storage, MonitorSettings monitor)
            throws Exception {
        return WorkerConfig.external(id, tmp.resolve("hosts").resolve(id), broker.url())
                .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials("host-" + id, hostPassword)
                .withConnector(StorageType.NFS, storage.host())
                .withMonitor(monitor);
    }

    private String hostPassword;

    /**
     * Adds every host to the stopped broker as broker-config/add-host.sh does (its user with roles
     * hosts and host-ID, its request queue and its two security settings from host.xml), in one
     * pass: add-host.sh starts a JVM to hash each password, minutes for 500 hosts. Here all hosts
     * share one password, hashed once: a benchmark shortcut, not a setup to copy.
     */
    private void addHosts(StandaloneArtemis broker, List<String> ids) throws Exception {
        Path etc = broker.instance().resolve("etc");
        hostPassword = java.util.UUID.randomUUID().toString();
        String hash = Host.ok(180, "bash", broker.instance().resolve("bin/artemis").toString(), "mask", "--hash", hostPassword)
                .lines().filter(l -> l.startsWith("result: ")).findFirst().orElseThrow().substring("result: ".length());
        StringBuilder users = new StringBuilder("\n");
        StringBuilder roles = new StringBuilder("\n");
        StringBuilder addresses = new StringBuilder();
        StringBuilder security = new StringBuilder();
        String template = Files.readString(etc.resolve("tether-host.xml"));
        String addressPart = part(template, "addresses");
        String securityPart = part(template, "security-settings");
        for (String id : ids) {
            users.append("host-").append(id).append(" = ENC(").append(hash).append(")\n");
            roles.append("host-").append(id).append(" = host-").append(id).append('\n');
            addresses.append(addressPart.replace("HOST_ID", id));
            security.append(securityPart.replace("HOST_ID", id));
        }
        roles.append("hosts = ").append(ids.stream().map(id -> "host-" + id).collect(Collectors.joining(","))).append('\n');
        Files.writeString(etc.resolve("artemis-users.properties"), users.toString(), java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("artemis-roles.properties"), roles.toString(), java.nio.file.StandardOpenOption.APPEND);
        String xml = Files.readString(etc.resolve("broker.xml"));
        xml = xml.replace("<!-- END HOST ADDRESSES -->", addresses + "<!-- END HOST ADDRESSES -->")
                .replace("<!-- END HOSTS -->", security + "<!-- END HOSTS -->");
        Files.writeString(etc.resolve("broker.xml"), xml);
    }

    /** The lines between {@code <tag>} and {@code </tag>} in host.xml, as add-host.sh's part(). */
    private static String part(String template, String tag) {
        int from = template.indexOf('\n', template.indexOf("<" + tag + ">")) + 1;
        int to = template.lastIndexOf('\n', template.indexOf("</" + tag + ">")) + 1;
        return template.substring(from, to);
    }

    /** Established TCP connections whose local port is {@code port} (the broker's side of each). */
    private static int establishedTo(int port) throws Exception {
        String hex = String.format(":%04X ", port);
        int count = 0;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && (f[1] + " ").endsWith(hex) && f[3].equals("01")) {
                    count++;
                }
            }
        }
        return count;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** This JVM's heap after a GC, threads and open file descriptors. */
    private record Cost(long heapBytes, int threads, long fds) {
        static Cost now() throws Exception {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long fds;
            try (var list = Files.list(Path.of("/proc/self/fd"))) {
                fds = list.count();
            }
            return new Cost(rt.totalMemory() - rt.freeMemory(), ManagementFactory.getThreadMXBean().getThreadCount(), fds);
        }

        Cost minus(Cost other) {
            return new Cost(heapBytes - other.heapBytes, threads - other.threads, fds - other.fds);
        }

        String per(int n) {
            return String.format("%.2f MiB heap, %.1f threads, %.1f file descriptors (total %d MiB, %d threads, %d fds)",
                    heapBytes / 1048576.0 / n, threads / (double) n, fds / (double) n, heapBytes >> 20, threads, fds);
        }

        @Override
        public String toString() {
            return String.format("JVM heap %d MiB, %d threads, %d fds", heapBytes >> 20, threads, fds);
        }
    }
}
