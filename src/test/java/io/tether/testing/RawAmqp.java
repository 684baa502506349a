package io.tether.testing;

import io.tether.amqp.BrokerCredentials;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.amqp.transport.DeliveryState;
import org.apache.qpid.proton.engine.BaseHandler;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Event;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.message.Message;
import org.apache.qpid.proton.reactor.Reactor;

/**
 * One AMQP message sent with Proton's engine, below any JMS client, so a test chooses every field
 * of it: in particular the AMQP {@code to}, which Qpid JMS always sets to the address it sends on,
 * and which is what a receiver's JMSDestination shows. An attacker's tool: the broker routes the
 * message by the link's target, whatever {@code to} says.
 */
public final class RawAmqp {
    private RawAmqp() {
    }

    /**
     * Sends {@code body} (an AMQP string) on a link to {@code target}, with {@code to} and
     * {@code properties} as given, logged in as {@code login}; returns the broker's outcome
     * (Accepted, Rejected with its error), or null if none came within 20 s.
     */
    public static DeliveryState send(int port, BrokerCredentials login, String target, String to, Map<String, Object> properties,
            String body) {
        AtomicReference<DeliveryState> outcome = new AtomicReference<>();
        BaseHandler handler = new BaseHandler() {
            private boolean sent;

            @Override
            public void onConnectionInit(Event e) {
                Connection connection = e.getConnection();
                connection.setHostname("127.0.0.1");
                connection.setContainer("raw-amqp");
                connection.open();
                Session session = connection.session();
                session.open();
                Sender sender = session.sender("raw-amqp-sender");
                Target t = new Target();
                t.setAddress(target);
                sender.setTarget(t);
                sender.setSource(new Source());
                sender.open();
            }

            @Override
            public void onConnectionBound(Event e) {
                e.getTransport().sasl().plain(login.user(), login.password());
            }

            @Override
            public void onLinkFlow(Event e) {
                if (!sent && e.getLink() instanceof Sender sender && sender.getCredit() > 0) {
                    sent = true;
                    Message message = Proton.message();
                    message.setAddress(to);
                    message.setApplicationProperties(new ApplicationProperties(Map.copyOf(properties)));
                    message.setBody(new AmqpValue(body));
                    byte[] buffer = new byte[body.length() * 4 + 4096];
                    int length = message.encode(buffer, 0, buffer.length);
                    sender.delivery(new byte[] {1});
                    sender.send(buffer, 0, length);
                    sender.advance();
                }
            }

            @Override
            public void onDelivery(Event e) {
                Delivery delivery = e.getDelivery();
                if (delivery.getRemoteState() != null) {
                    outcome.set(delivery.getRemoteState());
                    delivery.settle();
                    e.getConnection().close();
                }
            }

            @Override
            public void onLinkRemoteClose(Event e) {
                e.getConnection().close();
            }

            @Override
            public void onConnectionRemoteClose(Event e) {
                e.getConnection().close();
            }

            @Override
            public void onTransportClosed(Event e) {
                e.getReactor().stop();
            }
        };
        try {
            Reactor reactor = Proton.reactor(handler);
            reactor.connectionToHost("127.0.0.1", port, handler);
            // The reactor's timeout bounds one wait for I/O, not the exchange: the deadline does.
            reactor.setTimeout(500);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            reactor.start();
            while (reactor.process() && System.nanoTime() < deadline) {
                // Each turn handles what arrived; the loop ends when the connection is closed.
            }
            reactor.stop();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return outcome.get();
    }
}
