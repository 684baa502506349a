package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.amqp.Jms;
import io.tether.api.JsonRpc;
import io.tether.api.Results;
import io.tether.client.TetherClient;
import io.tether.testing.Host;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.testing.servers.ArtemisPair;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker high availability: a replicated primary/backup pair of standalone Artemis brokers, set up
 * with {@code broker-config/ha/setup-pair.sh} as docs/operations.md says, two workers (real
 * {@code tether.jar} processes) and an engine ({@link TetherClient}), all with the pair's failover
 * URL. Under a stream of manages and unmanages on both hosts: the primary is killed with SIGKILL
 * and the backup takes over; the primary is started again and takes its place back (fail-back;
 * the backup hands over and becomes the backup again); then the backup is killed with SIGKILL.
 *
 * <p>What must hold, as in {@link CrashLoopIT}: every request is answered, and exactly once in
 * effect (no manage answered "alreadyManaged", no unmanage that found nothing: a request run twice
 * would answer so), with no timeout; each host's final list is exactly the CIDs managed minus
 * those unmanaged (every replied request is durable, nothing invented); each host's events,
 * collected by a durable subscription through the same failovers, have seqs 1..N with no gap
 * (duplicates allowed, dropped by seq) and name each CID's manage and unmanage exactly once.
 * Prints how long the engine saw no reply at each step (docs/reliability.md).
 */
class BrokerFailoverIT {
    private static final List<String> HOSTS = List.of("h1", "h2");
    /** Engine threads per host, each with one request in flight: 8 unanswered at most. */
    private static final int THREADS_PER_HOST = 4;
    /** Replies to wait for between two steps, so each step happens under load. */
    private static final int PROGRESS = 60;
    /** Long enough for any failover here; a request not answered within it fails the test. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    @Test
    void primaryKilledFailBackBackupKilledNothingLostNothingTwice() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        for (int d = 0; d < 8; d++) {
            Files.createDirectories(storage.resolve("d" + d));
        }
        long setupStart = System.nanoTime();
        try (ArtemisPair pair = new ArtemisPair(Files.createDirectories(tmp.resolve("brokers")), HOSTS.toArray(String[]::new));
             // Subscribed before any worker runs, so every host's events from seq 1 on are kept.
             EventCollector events = new EventCollector(pair.url(), pair.engineLogin());
             Workers workers = new Workers(pair);
             TetherClient engine = TetherClient.connect(pair.url(), "engine", pair.engineLogin().password());
             Stream stream = new Stream(engine, storage)) {
            System.out.printf("broker failover: pair in sync %d ms after the start, workers ready %d ms after%n",
                    (pair.readyAt() - setupStart) / 1_000_000, (System.nanoTime() - pair.readyAt()) / 1_000_000);
            stream.start();
            stream.awaitProgress(PROGRESS);

            List<Step> steps = new ArrayList<>();
            steps.add(new Step("primary killed (kill -9), backup takes over", System.nanoTime()));
            pair.primary().kill9();
            pair.backup().awaitActive();
            stream.awaitProgress(PROGRESS);
            // The command line takes the same URL, and finds the backup behind the dead primary.
            Path enginePassword = tmp.resolve("engine.password");
            Files.writeString(enginePassword, pair.engineLogin().password() + "\n");
            Host.Ran cli = Host.run(120, WorkerProcess.java(), "-jar", WorkerProcess.jar().toString(), "list", "--broker",
                    pair.url(), "--host", "h1", "--user", "engine", "--password-file", enginePassword.toString(), "--json", "--timeout", "60");
            assertEquals(0, cli.exit(), cli.output());
            assertTrue(cli.output().contains("\"t0-c1\""), cli.output());

            steps.add(new Step("primary started again, fail-back", System.nanoTime()));
            pair.primary().start();
            pair.primary().awaitActive();
            // The former backup handed over, started again as the backup and is in sync once more.
            pair.backup().awaitBackupReady(2);
            stream.awaitProgress(PROGRESS);

            steps.add(new Step("backup killed (kill -9), primary goes on alone", System.nanoTime()));
            pair.backup().kill9();
            stream.awaitProgress(PROGRESS);
            long end = System.nanoTime();
            stream.stop();

            List<Op> done = stream.done();
            for (Op op : done) {
                assertTrue(op.failure() == null, op + " failed: " + op.failure());
                if (op.manage()) {
                    assertFalse(op.managed().alreadyManaged(), op + " ran twice");
                } else {
                    assertEquals(List.of(op.cid()), op.unmanaged().unmanaged(), op + " ran twice or found nothing");
                }
            }
            for (String host : HOSTS) {
                Set<String> expected = new TreeSet<>();
                for (Op op : done) {
                    if (op.host().equals(host)) {
                        if (op.manage()) {
                            expected.add(op.cid());
                        } else {
                            expected.remove(op.cid());
                        }
                    }
                }
                Results.StorageServerList list = engine.list(host, null, CALL_TIMEOUT);
                assertEquals(expected, new TreeSet<>(list.connections().keySet()),
                        host + "'s list is exactly what was managed and not unmanaged");
                events.checkComplete(host, list.seq(), done);
            }

            int fromLog = 0;
            for (String host : HOSTS) {
                fromLog += count(Files.readString(tmp.resolve(host + ".log")), "answering with its recorded reply");
            }
            System.out.printf("broker failover: %d requests (%d manages, %d unmanages) on %d hosts, all answered once in"
                            + " effect; %d answered from a worker's request log; events %s, no gap, %d delivered twice;"
                            + " steady-state gap between replies p99 %d ms%n",
                    done.size(), done.stream().filter(Op::manage).count(), done.stream().filter(o -> !o.manage()).count(),
                    HOSTS.size(), fromLog, events.lastSeqs(), events.duplicates.get(), stream.steadyGapP99Millis(steps, end));
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                long until = i + 1 < steps.size() ? steps.get(i + 1).at() : end;
                System.out.println("broker failover: " + step.what() + ": " + stream.outage(step.at(), until));
            }
        } finally {
            keepLogs();
        }
    }

    /** The brokers' and workers' logs, kept in target/ for a look after a failure (the temp dir goes). */
    private void keepLogs() throws java.io.IOException {
        Path keep = Files.createDirectories(Path.of("target", "failsafe-reports", "BrokerFailoverIT"));
        for (String file : List.of("h1.log", "h2.log", "brokers/primary/broker.out", "brokers/backup/broker.out")) {
            Path log = tmp.resolve(file);
            if (Files.exists(log)) {
                Files.copy(log, keep.resolve(file.replace('/', '-')), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** One worker process per host, with the pair's failover URL as --broker-url; started side by side. */
    private final class Workers implements AutoCloseable {
        private final List<WorkerProcess> processes = new ArrayList<>();

        Workers(ArtemisPair pair) throws Exception {
            List<CompletableFuture<WorkerProcess>> starting = new ArrayList<>();
            for (String host : HOSTS) {
                WorkerProcess worker = new WorkerProcess(host, tmp.resolve(host), TestWorker.freePort(), tmp.resolve(host + ".log"))
                        .withJvmOptions(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"))
                        .with("--broker-url", pair.url(), "--broker-user", "host-" + host,
                                "--broker-password-file", pair.hostPasswordFile(host).toString());
                processes.add(worker);
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        // Two JVMs starting together on a busy machine of 2 cores can take minutes.
                        return worker.start();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (CompletableFuture<WorkerProcess> started : starting) {
                started.get();
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (WorkerProcess worker : processes) {
                worker.close();
            }
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private record Step(String what, long at) {
    }

    /** One request of the stream and how it ended: a result, or the exception the client threw. */
    private record Op(String host, String cid, boolean manage, Results.Managed managed, Results.Unmanaged unmanaged,
                      Exception failure) {
        @Override
        public String toString() {
            return (manage ? "manage " : "unmanage ") + cid + " on " + host;
        }
    }

    /**
     * The engine's stream: {@link #THREADS_PER_HOST} threads per host, each calling
     * {@link TetherClient} one request at a time. In every three of a thread's requests, two
     * manage new CIDs and the third unmanages one it managed four rounds earlier. The client sends
     * unanswered requests again after a failover, with the same correlation-id.
     */
    private static final class Stream implements AutoCloseable {
        private final TetherClient engine;
        private final Path storage;
        private final List<Thread> threads = new ArrayList<>();
        private final Map<Integer, List<Op>> done = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<Long> replyTimes = new ConcurrentLinkedQueue<>();
        private final AtomicInteger answered = new AtomicInteger();
        private volatile boolean running = true;

        Stream(TetherClient engine, Path storage) {
            this.engine = engine;
            this.storage = storage;
        }

        void start() {
            for (String host : HOSTS) {
                for (int t = 0; t < THREADS_PER_HOST; t++) {
                    int thread = threads.size();
                    threads.add(new Thread(() -> run(thread, host), "failover-engine-" + thread));
                }
            }
            threads.forEach(Thread::start);
        }

        private void run(int thread, String host) {
            List<Op> ops = new ArrayList<>();
            done.put(thread, ops);
            for (int i = 0; running; i++) {
                int round = i / 3;
                boolean manage = i % 3 != 2 || round < 4;
                String cid = "t" + thread + "-c" + (manage ? i : (round - 4) * 3);
                Op op;
                try {
                    if (manage) {
                        String uri = "file://" + storage.resolve("d" + (i % 8));
                        op = new Op(host, cid, true, engine.manage(host, cid, uri, CALL_TIMEOUT), null, null);
                    } else {
                        op = new Op(host, cid, false, null, engine.unmanage(host, cid, CALL_TIMEOUT), null);
                    }
                    replyTimes.add(System.nanoTime());
                    answered.incrementAndGet();
                } catch (Exception e) {
                    op = new Op(host, cid, manage, null, null, e);
                }
                synchronized (ops) {
                    ops.add(op);
                }
                if (op.failure() != null) {
                    return; // reported by the checks; what follows would only repeat it
                }
            }
        }

        /** Waits for {@code replies} more replies, failing early if a request failed. */
        void awaitProgress(int replies) {
            int target = answered.get() + replies;
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(20)).until(() -> {
                for (List<Op> ops : done.values()) {
                    synchronized (ops) {
                        for (Op op : ops) {
                            if (op.failure() != null) {
                                throw new AssertionError(op + " failed", op.failure());
                            }
                        }
                    }
                }
                return answered.get() >= target;
            });
        }

        /** Stops sending; the requests in flight finish (or fail) first. */
        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(CALL_TIMEOUT.toMillis() + 10_000);
            }
        }

        List<Op> done() {
            List<Op> all = new ArrayList<>();
            done.values().forEach(all::addAll);
            return all;
        }

        /**
         * The longest time without any reply between {@code from} and {@code until}, as the last
         * reply before it and the first after, relative to {@code from}.
         */
        String outage(long from, long until) {
            List<Long> times = sortedTimes();
            long bestGap = -1;
            long before = 0;
            long after = 0;
            for (int i = 1; i < times.size(); i++) {
                long a = times.get(i - 1);
                long b = times.get(i);
                if (b > from && a < until && b - a > bestGap) {
                    bestGap = b - a;
                    before = a;
                    after = b;
                }
            }
            return String.format("no reply for %d ms (last reply %+d ms, first after %+d ms from the step)",
                    bestGap / 1_000_000, (before - from) / 1_000_000, (after - from) / 1_000_000);
        }

        /** The 99th percentile of the gaps between replies before the first step: what normal looks like. */
        long steadyGapP99Millis(List<Step> steps, long end) {
            List<Long> times = sortedTimes();
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < times.size() && times.get(i) < steps.get(0).at(); i++) {
                gaps.add(times.get(i) - times.get(i - 1));
            }
            gaps.sort(null);
            return gaps.isEmpty() ? -1 : gaps.get((int) (gaps.size() * 0.99)) / 1_000_000;
        }

        private List<Long> sortedTimes() {
            List<Long> times = new ArrayList<>(replyTimes);
            times.sort(null);
            return times;
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    /**
     * A durable subscription to each host's status topic, through the pair's failover URL: the
     * subscription's queue is durable, so it is replicated to the backup with the events in it.
     */
    private static final class EventCollector implements AutoCloseable {
        private final Connection connection;
        private final Map<String, Map<Long, JsonNode>> events = new ConcurrentHashMap<>();
        final AtomicInteger duplicates = new AtomicInteger();

        EventCollector(String url, BrokerCredentials login) throws JMSException {
            connection = Jms.connect(url, login.user(), login.password(), false);
            connection.setClientID("broker-failover-it");
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            for (String host : HOSTS) {
                Map<Long, JsonNode> seen = new ConcurrentSkipListMap<>();
                events.put(host, seen);
                session.createDurableSubscriber(session.createTopic("tether.host." + host + ".status"), "events-" + host)
                        .setMessageListener(message -> {
                            try {
                                JsonNode params = JsonRpc.MAPPER.readTree(((TextMessage) message).getText()).get("params");
                                if (seen.putIfAbsent(params.get("seq").asLong(), params) != null) {
                                    duplicates.incrementAndGet();
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
            }
            connection.start();
        }

        /** Seqs 1..lastSeq with no gap, and each CID's manage and unmanage in exactly one event. */
        void checkComplete(String host, long lastSeq, List<Op> done) {
            Map<Long, JsonNode> seen = events.get(host);
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.containsKey(lastSeq));
            List<Long> missing = new ArrayList<>();
            for (long s = 1; s <= lastSeq && missing.size() < 20; s++) {
                if (!seen.containsKey(s)) {
                    missing.add(s);
                }
            }
            assertTrue(missing.isEmpty(), host + ": events 1.." + lastSeq + " with no gap; missing " + missing);
            Map<String, Integer> managed = new HashMap<>();
            Map<String, Integer> unmanaged = new HashMap<>();
            for (JsonNode event : seen.values()) {
                Map<String, Integer> counts = switch (event.get("change").asText()) {
                    case "MANAGED" -> managed;
                    case "UNMANAGED" -> unmanaged;
                    default -> null;
                };
                if (counts != null) {
                    event.get("changedIds").forEach(id -> counts.merge(id.asText(), 1, Integer::sum));
                }
            }
            for (Op op : done) {
                if (op.host().equals(host)) {
                    assertEquals(1, (op.manage() ? managed : unmanaged).getOrDefault(op.cid(), 0), op + " is in exactly one event");
                }
            }
        }

        String lastSeqs() {
            Map<String, Long> last = new java.util.TreeMap<>();
            events.forEach((host, seen) -> last.put(host, seen.isEmpty() ? 0 : ((ConcurrentSkipListMap<Long, JsonNode>) seen).lastKey()));
            return last.toString();
        }

        @Override
        public void close() throws JMSException {
            connection.close();
        }
    }
}
