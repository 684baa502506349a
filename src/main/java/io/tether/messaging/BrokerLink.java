package io.tether.messaging;

import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.net.URI;
import org.apache.qpid.jms.JmsConnection;
import org.apache.qpid.jms.JmsConnectionListener;
import org.apache.qpid.jms.message.JmsInboundMessageDispatch;

/**
 * Whether a connection to the broker is up, as Qpid JMS's failover reports it: down from an
 * interruption until it is restored, and for good once it failed or was closed. Read by health
 * checks, so it answers from a flag, never by asking the broker.
 */
public final class BrokerLink implements JmsConnectionListener {
    private final JmsConnection connection;
    private volatile boolean interrupted;

    private BrokerLink(JmsConnection connection) {
        this.connection = connection;
    }

    /** Starts watching {@code connection} (a Qpid JMS one; for any other, {@link #isUp()} is always true). */
    public static BrokerLink watch(Connection connection) {
        BrokerLink link = new BrokerLink(connection instanceof JmsConnection jms ? jms : null);
        if (link.connection != null) {
            link.connection.addConnectionListener(link);
        }
        return link;
    }

    /** True while the connection is established and not interrupted. */
    public boolean isUp() {
        return connection == null
                || (connection.isConnected() && !interrupted && !connection.isFailed() && !connection.isClosed());
    }

    @Override
    public void onConnectionEstablished(URI remote) {
        interrupted = false;
    }

    @Override
    public void onConnectionFailure(Throwable error) {
        interrupted = true;
    }

    @Override
    public void onConnectionInterrupted(URI remote) {
        interrupted = true;
    }

    @Override
    public void onConnectionRestored(URI remote) {
        interrupted = false;
    }

    @Override
    public void onInboundMessage(JmsInboundMessageDispatch envelope) {
    }

    @Override
    public void onSessionClosed(Session session, Throwable cause) {
    }

    @Override
    public void onConsumerClosed(MessageConsumer consumer, Throwable cause) {
    }

    @Override
    public void onProducerClosed(MessageProducer producer, Throwable cause) {
    }
}
