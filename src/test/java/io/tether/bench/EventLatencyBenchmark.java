package io.tether.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.RawClient;
import io.tether.testing.TestWorker;
import jakarta.jms.Connection;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event latency: from the moment the worker records a change (the event's {@code at}) to the
 * event arriving at a subscriber on the status topic, in the same JVM and so on the same clock.
 * Each of 2,000 manages on a directory of its own gives a MANAGED event (a request's change) and,
 * once the connector has connected, a STATE event (a connection's state change).
 */
class EventLatencyBenchmark {
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 2_000);

    @TempDir
    Path tmp;

    private record Arrival(JsonNode event, Instant arrived) {
    }

    @Test
    void eventLatency() throws Exception {
        System.out.println("EventLatencyBenchmark on " + Machine.describe());
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        try (TestWorker worker = new TestWorker("bench", tmp.resolve("data"));
             RawClient client = new RawClient(worker.url(), "bench");
             Connection subscriber = new JmsConnectionFactory(worker.url()).createConnection()) {
            Session session = subscriber.createSession(false, Session.AUTO_ACKNOWLEDGE);
            session.createConsumer(session.createTopic("tether.host.bench.status")).setMessageListener(m -> {
                Instant now = Instant.now();
                try {
                    arrivals.add(new Arrival(JsonRpc.MAPPER.readTree(((TextMessage) m).getText()).get("params"), now));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            subscriber.start();
            for (int i = 0; i < CONNECTIONS; i++) {
                Path dir = Files.createDirectories(storage.resolve("e" + i));
                client.manage("ev-" + i, "file://" + dir);
            }
            await().atMost(Duration.ofMinutes(2)).until(() -> arrivals.stream()
                    .filter(a -> a.event().get("change").asText().equals("STATE")).count() >= CONNECTIONS);
            // The first 10% warm the JIT up.
            List<Arrival> measured = arrivals.subList(arrivals.size() / 10, arrivals.size());
            for (String change : new String[] {"MANAGED", "STATE"}) {
                long[] nanos = measured.stream().filter(a -> a.event().get("change").asText().equals(change))
                        .mapToLong(a -> Duration.between(Instant.parse(a.event().get("at").asText()), a.arrived()).toNanos())
                        .toArray();
                System.out.printf("event latency, %s events: %s%n", change, Stats.ofNanos(nanos).millis());
            }
        }
    }
}
