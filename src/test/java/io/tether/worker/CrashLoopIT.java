package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.Jms;
import io.tether.api.JsonRpc;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import jakarta.jms.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash loop: a client streams manages and unmanages of distinct CIDs while the worker process
 * (with its embedded broker) is killed with SIGKILL at random moments and restarted, at least 10
 * times. The client behaves like {@code TetherClient}: after reconnecting it sends every unanswered
 * request again with the same correlation-id, and a durable subscription collects every event.
 *
 * <p>At the end every request has been answered exactly once in effect: no manage answered
 * "alreadyManaged" and no unmanage answered CID_NOT_FOUND (either would mean a request ran twice),
 * the final list is exactly the managed CIDs minus the unmanaged ones (nothing lost, nothing
 * invented), and the events have no seq gap and name each CID's manage and unmanage exactly once.
 * {@code -Dreliability.kills=N} kills more often.
 */
class CrashLoopIT {
    private static final int KILLS = Integer.getInteger("reliability.kills", 10);
    private static final int WINDOW = 16;

    @TempDir
    Path tmp;

    @Test
    void everyRequestTakesEffectExactlyOnceAcrossKillNines() throws Exception {
        long seed = Long.getLong("reliability.seed", System.nanoTime());
        Random random = new Random(seed);
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        for (int d = 0; d < 8; d++) {
            Files.createDirectories(storage.resolve("d" + d));
        }
        int port = TestWorker.freePort();
        Path log = tmp.resolve("worker.log");
        try (WorkerProcess worker = new WorkerProcess("crash", tmp.resolve("data"), port, log).start();
             StreamingClient client = new StreamingClient(() -> TestWorker.engineUrl(port, tmp.resolve("data")), storage)) {
            client.start();
            for (int kill = 1; kill <= KILLS; kill++) {
                // Let the stream make progress, then kill at a random point of it.
                int target = client.answered() + 30 + random.nextInt(200);
                await().atMost(Duration.ofMinutes(2)).until(() -> client.answered() >= target);
                worker.kill9();
                worker.start();
            }
            int target = client.answered() + 100;
            await().atMost(Duration.ofMinutes(2)).until(() -> client.answered() >= target);
            client.stopSending();
            await().atMost(Duration.ofMinutes(2)).until(client::allAnswered);

            // Exactly once: a second run of a manage answers alreadyManaged, of an unmanage CID_NOT_FOUND.
            Set<String> expected = new TreeSet<>();
            for (Op op : client.sent()) {
                JsonNode reply = client.replies.get(op.correlationId());
                assertTrue(reply.has("result"), op + " -> " + reply);
                if (op.manage()) {
                    assertEquals(false, reply.at("/result/alreadyManaged").asBoolean(), op + " ran twice: " + reply);
                    expected.add(op.cid());
                } else {
                    assertEquals("[\"" + op.cid() + "\"]", reply.at("/result/unmanaged").toString(), op + " -> " + reply);
                    expected.remove(op.cid());
                }
            }
            try (RawClient check = new RawClient(TestWorker.engineUrl(port, tmp.resolve("data")), "crash")) {
                JsonNode list = check.list();
                assertEquals(expected, RawClient.cids(list), "the list is exactly what was managed and not unmanaged");

                long lastSeq = list.get("seq").asLong();
                await().atMost(Duration.ofMinutes(1)).until(() -> client.events.containsKey(lastSeq));
                assertEquals(lastSeq, client.events.size(), "events 1.." + lastSeq + " with no gap: " + gaps(client.events, lastSeq));
                Map<String, Integer> managedEvents = new HashMap<>();
                Map<String, Integer> unmanagedEvents = new HashMap<>();
                for (JsonNode event : client.events.values()) {
                    Map<String, Integer> counts = switch (event.get("change").asText()) {
                        case "MANAGED" -> managedEvents;
                        case "UNMANAGED" -> unmanagedEvents;
                        default -> null;
                    };
                    if (counts != null) {
                        event.get("changedIds").forEach(id -> counts.merge(id.asText(), 1, Integer::sum));
                    }
                }
                for (Op op : client.sent()) {
                    assertEquals(1, (op.manage() ? managedEvents : unmanagedEvents).getOrDefault(op.cid(), 0),
                            op + " is in exactly one event");
                }
            }
            int fromLog = countOccurrences(Files.readString(log), "answering with its recorded reply");
            System.out.printf("crash loop (seed %d): %d kills; %d requests sent (%d manages, %d unmanages);"
                            + " %d unanswered at a crash and sent again, %d of them answered from the request log;"
                            + " %d CIDs managed at the end; %d events, no gap, %d delivered twice%n",
                    seed, KILLS, client.sent().size(), client.sent().stream().filter(Op::manage).count(),
                    client.sent().stream().filter(o -> !o.manage()).count(), client.resent.get(), fromLog,
                    expected.size(), client.events.size(), client.duplicateEvents.get());
        }
    }

    private static String gaps(Map<Long, JsonNode> events, long last) {
        List<Long> missing = new ArrayList<>();
        for (long s = 1; s <= last && missing.size() < 20; s++) {
            if (!events.containsKey(s)) {
                missing.add(s);
            }
        }
        return "missing " + missing;
    }

    private static int countOccurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** One request of the stream: manage or unmanage of one CID, with its own correlation-id. */
    private record Op(String correlationId, String cid, boolean manage, String body) {
        @Override
        public String toString() {
            return (manage ? "manage " : "unmanage ") + cid + " (" + correlationId + ")";
        }
    }

    /**
     * Streams requests with up to {@link #WINDOW} unanswered, reconnects when the broker goes
     * away, and then sends the unanswered ones again, as an engine would.
     */
    private static final class StreamingClient implements AutoCloseable {
        private final java.util.function.Supplier<String> url;
        private final Path storage;
        private final Thread thread = new Thread(this::run, "crash-loop-client");
        private final List<Op> sent = new ArrayList<>();
        private final Map<String, Op> unanswered = new LinkedHashMap<>();
        final Map<String, JsonNode> replies = new ConcurrentHashMap<>();
        final Map<Long, JsonNode> events = new java.util.concurrent.ConcurrentSkipListMap<>();
        final AtomicInteger resent = new AtomicInteger();
        final AtomicInteger duplicateEvents = new AtomicInteger();
        private volatile boolean sending = true;
        private volatile boolean running = true;
        private volatile Throwable failure;
        private int next;
        private Connection connection;
        private Session session;
        private MessageProducer producer;
        private TemporaryQueue replyQueue;
        private MessageConsumer replyConsumer;
        private MessageConsumer eventConsumer;

        /** The worker makes a new engine login at each start: the URL is asked for at each connect. */
        StreamingClient(java.util.function.Supplier<String> url, Path storage) {
            this.url = url;
            this.storage = storage;
        }

        void start() {
            thread.start();
        }

        void stopSending() {
            sending = false;
        }

        synchronized boolean allAnswered() {
            answered();
            return unanswered.isEmpty();
        }

        synchronized List<Op> sent() {
            return List.copyOf(sent);
        }

        /**
         * The i-th request: in every three, two manages of new CIDs, then the unmanage of a CID
         * managed four rounds earlier (a manage of a new CID in the first rounds).
         */
        private Op op(int i) {
            String id = "r-" + i;
            int round = i / 3;
            if (i % 3 == 2 && round >= 4) {
                String cid = "c-" + (round - 4) * 2;
                return new Op(id, cid, false, "{\"jsonrpc\":\"2.0\",\"id\":\"" + id
                        + "\",\"method\":\"unmanageStorageServer\",\"params\":{\"connectionId\":\"" + cid + "\"}}");
            }
            String cid = i % 3 == 2 ? "c-early-" + round : "c-" + (round * 2 + i % 3);
            return new Op(id, cid, true, "{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"manageStorageServer\","
                    + "\"params\":{\"connectionId\":\"" + cid + "\",\"uri\":\"file://" + storage.resolve("d" + (i % 8)) + "\"}}");
        }

        /** How many requests have been answered; fails the test if the client broke. */
        int answered() {
            if (failure != null) {
                throw new AssertionError("the streaming client failed", failure);
            }
            return replies.size();
        }

        private void run() {
            while (running) {
                try {
                    if (connection == null) {
                        connect();
                    }
                    synchronized (this) {
                        while (sending && unanswered.size() < WINDOW) {
                            Op op = op(next++);
                            sent.add(op);
                            unanswered.put(op.correlationId(), op);
                            send(op);
                        }
                    }
                    Message reply = replyConsumer.receive(50);
                    if (reply != null) {
                        JsonNode body = JsonRpc.MAPPER.readTree(((TextMessage) reply).getText());
                        synchronized (this) {
                            if (unanswered.remove(reply.getJMSCorrelationID()) != null) {
                                replies.put(reply.getJMSCorrelationID(), body);
                            }
                        }
                    }
                    for (Message event; (event = eventConsumer.receiveNoWait()) != null; ) {
                        JsonNode params = JsonRpc.MAPPER.readTree(((TextMessage) event).getText()).get("params");
                        synchronized (events) {
                            if (events.putIfAbsent(params.get("seq").asLong(), params) != null) {
                                duplicateEvents.incrementAndGet();
                            }
                        }
                    }
                } catch (JMSException e) {
                    disconnect();
                } catch (Exception e) {
                    failure = e;
                    running = false;
                }
            }
        }

        /** Connects (retrying while the worker is down), then sends every unanswered request again. */
        private void connect() throws Exception {
            while (running) {
                try {
                    connection = Jms.connect(url.get(), null, null, false);
                    connection.setClientID("crash-loop-engine");
                    session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                    producer = session.createProducer(session.createQueue("tether.host.crash.requests"));
                    producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                    replyQueue = session.createTemporaryQueue();
                    replyConsumer = session.createConsumer(replyQueue);
                    Topic status = session.createTopic("tether.host.crash.status");
                    eventConsumer = session.createDurableSubscriber(status, "crash-loop-events");
                    connection.start();
                    synchronized (this) {
                        resent.addAndGet(unanswered.size());
                        for (Op op : unanswered.values()) {
                            send(op);
                        }
                    }
                    return;
                } catch (JMSException e) {
                    disconnect();
                    Thread.sleep(100); // the worker is restarting: try again shortly
                }
            }
        }

        private void send(Op op) throws JMSException {
            TextMessage message = session.createTextMessage(op.body());
            message.setJMSCorrelationID(op.correlationId());
            message.setJMSReplyTo(replyQueue);
            producer.send(message);
        }

        private void disconnect() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (JMSException ignored) {
                    // Already gone with the broker.
                }
                connection = null;
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
            disconnect();
        }
    }
}
