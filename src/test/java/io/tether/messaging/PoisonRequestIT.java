package io.tether.messaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerCredentials;
import io.tether.amqp.Jms;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.broker.EmbeddedBroker;
import io.tether.testing.TestWorker;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request the worker cannot handle does not stop it. Invariants: the requests that arrived with
 * it are answered as if it were not there; it is answered with INTERNAL_ERROR naming the failure;
 * one that hits a bug is in DLQ at once (moved there by the broker, with the address it was sent
 * to) and handled twice only (with its batch, then alone); one that runs the worker out of memory
 * is handed out again (it may have been another's victim) until the broker's delivery attempts are
 * spent, then it is in DLQ too; the consumer reports the fault for {@code /readyz} until a request
 * that came after it is handled. A real embedded broker and the real consumer; the handler is a
 * test double that throws for two bodies, as running a shared test JVM out of memory is not safe.
 */
class PoisonRequestIT {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aRequestThatCannotBeHandledIsAnsweredAndDeadLetteredAndTheOthersGoOn() throws Exception {
        String host = "poison";
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        RequestConsumer.Handler handler = messages -> {
            List<Reply> replies = new ArrayList<>();
            for (Incoming message : messages) {
                String body = ((Incoming.Readable) message).body();
                handled.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
                if (body.equals("bug")) {
                    throw new IllegalStateException("a bug (test double)");
                }
                if (body.equals("oom")) {
                    throw new OutOfMemoryError("Java heap space (test double)");
                }
                replies.add(new Reply.Send("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":\"" + body + "\"}"));
            }
            return replies;
        };
        try (EmbeddedBroker broker = EmbeddedBroker.start(tmp, TestWorker.freePort(), host);
             Connection engine = Jms.connect(broker.url(), BrokerCredentials.fromFile(tmp.resolve(EmbeddedBroker.ENGINE_LOGIN)), false);
             Connection worker = Jms.connect(broker.url(), broker.workerLogin().user(), broker.workerLogin().password(), false)) {
            engine.start();
            Session session = engine.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replyTo = session.createTemporaryQueue();
            MessageConsumer replies = session.createConsumer(replyTo);
            MessageProducer requests = session.createProducer(session.createQueue(Addresses.requests(host)));
            // Sent before the worker consumes: they arrive together, as one batch.
            for (String body : List.of("a", "bug", "oom", "b")) {
                TextMessage request = session.createTextMessage(body);
                request.setJMSReplyTo(replyTo);
                request.setJMSCorrelationID(body);
                requests.send(request);
            }
            worker.start();
            RequestConsumer consumer = new RequestConsumer(worker, Addresses.requests(host), handler);
            consumer.start();
            try {
                Map<String, JsonNode> answers = new ConcurrentHashMap<>();
                await().atMost(T).until(() -> {
                    Message reply = replies.receive(100);
                    if (reply != null) {
                        answers.put(reply.getJMSCorrelationID(), JsonRpc.MAPPER.readTree(((TextMessage) reply).getText()));
                    }
                    return answers.size() == 4;
                });
                assertEquals("a", answers.get("a").get("result").asText());
                assertEquals("b", answers.get("b").get("result").asText());
                JsonNode bug = answers.get("bug").get("error");
                assertEquals(-32603, bug.get("code").asInt(), bug.toString());
                assertTrue(bug.get("message").asText().contains("IllegalStateException"), bug.toString());
                assertTrue(bug.get("message").asText().contains("DLQ"), bug.toString());
                JsonNode oom = answers.get("oom").get("error");
                assertTrue(oom.get("message").asText().contains("OutOfMemoryError"), oom.toString());
                assertTrue(oom.get("message").asText().contains("tries it again later"), oom.toString());
                assertTrue(consumer.fault().isPresent());

                awaitInDeadLetters(broker, host, "bug");
                // Ten delivery attempts (broker.xml), spaced by the broker's redelivery delay.
                awaitInDeadLetters(broker, host, "oom");
                assertEquals(2, handled.get("bug").get(), "with its batch, then alone; never again");
                assertTrue(handled.get("oom").get() >= 10, "handed out again: " + handled.get("oom"));

                TextMessage after = session.createTextMessage("c");
                after.setJMSReplyTo(replyTo);
                after.setJMSCorrelationID("c");
                requests.send(after);
                // Replies to the earlier deliveries of "oom" may still be ahead of its.
                Message reply = await().atMost(T).until(() -> replies.receive(100),
                        r -> r != null && "c".equals(correlation(r)));
                assertEquals("c", JsonRpc.MAPPER.readTree(((TextMessage) reply).getText()).get("result").asText());
                assertEquals(java.util.Optional.empty(), consumer.fault(), "ready again once a later request is handled");
                assertEquals(2, handled.get("bug").get(), "never again");
                assertTrue(consumer.isRunning());
            } finally {
                consumer.close();
            }
        }
    }

    private static String correlation(Message message) {
        try {
            return message.getJMSCorrelationID();
        } catch (jakarta.jms.JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitInDeadLetters(EmbeddedBroker broker, String host, String body) throws Exception {
        try (Connection admin = Jms.connect(broker.url(), BrokerCredentials.fromFile(tmp.resolve(EmbeddedBroker.ADMIN_LOGIN)), false)) {
            admin.start();
            Session s = admin.createSession(false, Session.AUTO_ACKNOWLEDGE);
            await().atMost(Duration.ofMinutes(3)).until(() -> {
                QueueBrowser browser = s.createBrowser(s.createQueue(Addresses.DEAD_LETTERS),
                        "_AMQ_ORIG_ADDRESS = '" + Addresses.requests(host) + "'");
                try {
                    List<?> held = Collections.list(browser.getEnumeration());
                    for (Object m : held) {
                        if (body.equals(((TextMessage) m).getText())) {
                            return true;
                        }
                    }
                    return false;
                } finally {
                    browser.close();
                }
            });
        }
    }
}
