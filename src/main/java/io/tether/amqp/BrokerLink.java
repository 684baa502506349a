package io.tether.amqp;

import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.qpid.jms.JmsConnection;
import org.apache.qpid.jms.JmsConnectionListener;
import org.apache.qpid.jms.message.JmsInboundMessageDispatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one connection to the broker as Qpid JMS reports it, told to whoever listens: the
 * worker's health checks read it, a client sends its unanswered requests again when it is
 * {@link State#RESTORED}, the console lists every host again after {@link State#LOST}. The only
 * {@link JmsConnectionListener} of Tether: every part learns of its broker link from here.
 *
 * <p>It answers from what Qpid last reported, never by asking the broker, so a health check may
 * read it as often as it likes.
 */
public final class BrokerLink implements JmsConnectionListener {
    private static final Logger log = LoggerFactory.getLogger(BrokerLink.class);

    /** Where a connection is in its life. */
    public enum State {
        /** Connected, and not interrupted since. */
        UP,
        /** Cut off; a failover URL is reconnecting. Messages published meanwhile are not received. */
        INTERRUPTED,
        /** Connected again after an interruption: what was sent or published in between may be lost. */
        RESTORED,
        /** Failed for good (a plain URL lost its broker, or a failover URL ran out of attempts). Final. */
        LOST
    }

    /** Told of every change of state, on Qpid's own thread: it must not block or call into the connection. */
    @FunctionalInterface
    public interface Listener {
        /** The link is now {@code state}; {@code cause} is why it was {@link State#LOST}, null otherwise. */
        void onChange(State state, Throwable cause);
    }

    private final JmsConnection connection;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile State state = State.UP;
    private volatile Throwable cause;

    BrokerLink(JmsConnection connection) {
        this.connection = connection;
    }

    /** Starts following {@code connection} (a Qpid JMS one; any other is taken as always {@link State#UP}). */
    public static BrokerLink watch(Connection connection) {
        BrokerLink link = new BrokerLink(connection instanceof JmsConnection jms ? jms : null);
        if (link.connection != null) {
            link.connection.addConnectionListener(link);
        }
        return link;
    }

    /** Tells {@code listener} of every change from now on; of {@link State#LOST} at once if the link is lost already. */
    public synchronized void addListener(Listener listener) {
        listeners.add(listener);
        if (state == State.LOST) {
            listener.onChange(State.LOST, cause);
        }
    }

    /** The state Qpid last reported. */
    public State state() {
        return state;
    }

    /** Why the link was {@link State#LOST}; null while it is not. */
    public Throwable cause() {
        return cause;
    }

    /** True while the connection is established, not interrupted, and neither failed nor closed. */
    public boolean isUp() {
        State now = state;
        return (now == State.UP || now == State.RESTORED)
                && (connection == null || connection.isConnected() && !connection.isFailed() && !connection.isClosed());
    }

    /** Moves to {@code next} and tells the listeners; nothing leaves {@link State#LOST}. */
    synchronized void moveTo(State next, Throwable why) {
        if (state == State.LOST) {
            return;
        }
        state = next;
        cause = why;
        for (Listener listener : listeners) {
            try {
                listener.onChange(next, why);
            } catch (RuntimeException e) {
                // One listener's failure must keep neither the state nor the other listeners from it.
                log.warn("a listener of the broker link failed on {}: {}", next, e.toString(), e);
            }
        }
    }

    @Override
    public void onConnectionEstablished(URI remote) {
        moveTo(State.UP, null);
    }

    @Override
    public void onConnectionFailure(Throwable error) {
        moveTo(State.LOST, error);
    }

    @Override
    public void onConnectionInterrupted(URI remote) {
        moveTo(State.INTERRUPTED, null);
    }

    @Override
    public void onConnectionRestored(URI remote) {
        moveTo(State.RESTORED, null);
    }

    // The events below are of single messages, sessions and links: none changes the connection's state.

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
