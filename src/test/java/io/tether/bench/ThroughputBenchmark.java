package io.tether.bench;

import io.tether.testing.TestWorker;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request throughput of the worker against the messaging limit: 20,000 manages and 20,000
 * unmanages from one Qpid JMS client with 64 requests in flight, then the same client against an
 * echo responder on the same broker that takes requests the way the worker does (what has
 * arrived, a non-persistent reply each, one client acknowledgement) but does no work, and against
 * an event echo that also publishes one persistent event message per request, as the worker's
 * contract asks of it for every changed connection: the limit a worker can reach. Target:
 * worker/event-echo >= 0.9; worker/echo is reported too.
 *
 * <p>Requests are sent asynchronously (JMS 2.0 completion listener), so the window really holds 64:
 * a synchronous persistent send waits for the broker's journal, which leaves barely one request in
 * flight at a time. {@code -Dbench.syncSend=true} measures that way instead.
 */
class ThroughputBenchmark {
    private static final int N = Integer.getInteger("bench.requests", 20_000);
    private static final int WINDOW = 64;
    /** The event echo's queue: it answers as the echo does and publishes one persistent event per request. */
    private static final String EVENT_ECHO = "tether.host.eventecho.requests";
    private static final int WARM_UP = Integer.getInteger("bench.warmUp", 5_000);
    private static final int MAX_WARM_UP_ROUNDS = 10;
    /** Sends wait for the broker's acceptance one by one, so fewer than WINDOW are really in flight. */
    private static final boolean SYNC_SEND = Boolean.getBoolean("bench.syncSend");
    /** CIDs are spread over this many local directories (host connections). */
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 100);
    /**
     * The worker records its metrics, as it does by default; {@code -Dbench.metrics=false} measures
     * it without (no HTTP endpoint, nothing recorded).
     */
    private static final boolean METRICS = Boolean.parseBoolean(System.getProperty("bench.metrics", "true"));

    @TempDir
    Path tmp;

    @Test
    void throughput() throws Exception {
        System.out.println("ThroughputBenchmark on " + Machine.describe());
        System.out.printf("%,d requests each way, %d in flight, %s sends, CIDs on %d connections, metrics %s%n",
                N, WINDOW, SYNC_SEND ? "synchronous" : "asynchronous", CONNECTIONS, METRICS ? "on" : "off");
        Path dir = Files.createDirectories(tmp.resolve("storage"));
        for (int c = 0; c < CONNECTIONS; c++) {
            Files.createDirectories(dir.resolve("d" + c));
        }
        try (TestWorker worker = new TestWorker("bench", tmp.resolve("data"), METRICS ? TestWorker::withHttp : c -> c);
             Echo echo = new Echo(worker.adminUrl(), "tether.host.echo.requests");
             Echo eventEcho = Echo.withEvents(worker.adminUrl(), EVENT_ECHO, "tether.host.eventecho.status")) {
            // Warm-up until the JIT has compiled both paths: a worker runs for days, and compiler
            // threads busy during a measured run would take a core from it on a small machine.
            // Rounds go on until the compiler threads are nearly idle through one.
            for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
                String prefix = "warm-" + round + "-";
                ThreadCpu before = ThreadCpu.now();
                run(worker.url(), "tether.host.bench.requests", WARM_UP, i -> manage(prefix + i, dir));
                run(worker.url(), "tether.host.bench.requests", WARM_UP, i -> unmanage(prefix + i));
                run(worker.url(), "tether.host.echo.requests", WARM_UP, i -> manage(prefix + i, dir));
                run(worker.url(), EVENT_ECHO, WARM_UP, i -> manage(prefix + i, dir));
                double compiling = ThreadCpu.now().seconds(before, "C# CompilerThre");
                System.out.printf("warm-up round %d: JIT compiler threads busy %.1f s%n", round + 1, compiling);
                if (compiling < 0.3) {
                    break;
                }
            }
            System.out.println("measured:");

            // The echoes run before and after the worker and count with the mean of both, so a
            // drift of this shared machine's speed during the run does not fall on one side only.
            double echoBefore = run(worker.url(), "tether.host.echo.requests", N, i -> manage("bench-" + i, dir));
            double eventEchoBefore = run(worker.url(), EVENT_ECHO, N, i -> manage("bench-" + i, dir));
            double manage = run(worker.url(), "tether.host.bench.requests", N, i -> manage("bench-" + i, dir));
            double unmanage = run(worker.url(), "tether.host.bench.requests", N, i -> unmanage("bench-" + i));
            double eventEchoAfter = run(worker.url(), EVENT_ECHO, N, i -> manage("after-" + i, dir));
            double echoAfter = run(worker.url(), "tether.host.echo.requests", N, i -> manage("after-" + i, dir));
            double echoRate = (echoBefore + echoAfter) / 2;
            double eventEchoRate = (eventEchoBefore + eventEchoAfter) / 2;
            System.out.printf("throughput: worker manage %.0f ops/s, unmanage %.0f ops/s; echo %.0f ops/s (%.0f before, %.0f after);"
                    + " ratio worker/echo %.2f (manage) %.2f (unmanage)%n",
                    manage, unmanage, echoRate, echoBefore, echoAfter, manage / echoRate, unmanage / echoRate);
            System.out.printf("throughput: event-echo %.0f ops/s (%.0f before, %.0f after);"
                    + " ratio worker/event-echo %.2f (manage) %.2f (unmanage)%n",
                    eventEchoRate, eventEchoBefore, eventEchoAfter, manage / eventEchoRate, unmanage / eventEchoRate);
        }
    }

    private static String manage(String cid, Path storage) {
        Path dir = storage.resolve("d" + Math.floorMod(cid.hashCode(), CONNECTIONS));
        return "{\"jsonrpc\":\"2.0\",\"id\":\"" + cid + "\",\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\""
                + cid + "\",\"uri\":\"file://" + dir + "\"}}";
    }

    private static String unmanage(String cid) {
        return "{\"jsonrpc\":\"2.0\",\"id\":\"" + cid + "\",\"method\":\"unmanageStorageServer\",\"params\":{\"connectionId\":\""
                + cid + "\"}}";
    }

    /** Sends {@code n} requests with at most WINDOW unanswered; returns requests per second. */
    private static double run(String url, String queue, int n, java.util.function.IntFunction<String> body) throws Exception {
        try (Connection connection = new JmsConnectionFactory(url).createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            Session replySession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = replySession.createTemporaryQueue();
            MessageConsumer consumer = replySession.createConsumer(replies);
            Semaphore window = new Semaphore(WINDOW);
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger errors = new AtomicInteger();
            consumer.setMessageListener(m -> {
                try {
                    if (((TextMessage) m).getText().contains("\"error\"")) {
                        errors.incrementAndGet();
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
                window.release();
                done.countDown();
            });
            connection.start();
            long start = System.nanoTime();
            long cpuStart = cpuNanos();
            ThreadCpu threadsBefore = ThreadCpu.now();
            for (int i = 0; i < n; i++) {
                window.acquire();
                TextMessage m = session.createTextMessage(body.apply(i));
                m.setJMSReplyTo(replies);
                if (SYNC_SEND) {
                    producer.send(m);
                } else {
                    // The broker's acceptance arrives later; a refused request frees its place in
                    // the window, as no reply will come for it.
                    producer.send(m, new CompletionListener() {
                        @Override
                        public void onCompletion(Message message) {
                        }

                        @Override
                        public void onException(Message message, Exception exception) {
                            errors.incrementAndGet();
                            window.release();
                            done.countDown();
                        }
                    });
                }
            }
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new AssertionError("replies missing: " + done.getCount());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("  %s: %,d requests in %.1f s, %.0f ops/s, process CPU %.0f us per request (%.2f cores)%n",
                    queue, n, seconds, n / seconds, (cpuNanos() - cpuStart) / 1e3 / n, (cpuNanos() - cpuStart) / 1e9 / seconds);
            System.out.println("    CPU by thread: " + ThreadCpu.now().since(threadsBefore, 12));
            if (errors.get() > 0) {
                throw new AssertionError(errors.get() + " error replies from " + queue);
            }
            return n / seconds;
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
