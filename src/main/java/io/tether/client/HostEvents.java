package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tether.amqp.Addresses;
import io.tether.api.JsonRpc;
import io.tether.uri.Text;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Status event subscriptions that take an event as the event of the host whose status address it
 * was published on, never of what its body says. Only a host's own worker may send to its address,
 * and the subscription's selector ({@link Addresses#OWN_ADDRESS_SELECTOR}) has the broker deliver
 * only events whose {@code statusAddress} property is the address it routed them to. An event
 * whose body names another host (a host speaking for another, on its own address) is dropped,
 * counted and logged once per host.
 */
final class HostEvents {
    private static final Logger LOG = LoggerFactory.getLogger(TetherClient.class);

    private final RpcChannel rpc;
    private final AtomicLong refused = new AtomicLong();
    /** Hosts whose address carried an event in another host's name: each is logged once. */
    private final Set<String> refusedFrom = ConcurrentHashMap.newKeySet();

    HostEvents(RpcChannel rpc) {
        this.rpc = rpc;
    }

    /** Hands {@code hostId}'s events (every host's when null) to {@code listener} until the handle is closed. */
    AutoCloseable watch(String hostId, StatusListener listener) throws JMSException {
        String topic = hostId == null ? Addresses.ALL_STATUS : Addresses.status(hostId);
        return rpc.subscribe(topic, Addresses.OWN_ADDRESS_SELECTOR, message -> deliver(hostId, message, listener));
    }

    /** How many events were dropped for naming another host than their address's. */
    long refused() {
        return refused.get();
    }

    private void deliver(String watched, Message message, StatusListener listener) {
        String host;
        JsonNode params;
        try {
            host = Addresses.hostOfStatus(message.getStringProperty(Addresses.STATUS_ADDRESS_PROPERTY)).orElse(null);
            params = JsonRpc.MAPPER.readTree(((TextMessage) message).getText()).get("params");
        } catch (Exception e) {
            return; // not a status event: nothing to tell
        }
        if (host == null || params == null || !params.isObject()) {
            return;
        }
        String named = params.path("hostId").asText(null);
        if (!host.equals(named) || (watched != null && !watched.equals(host))) {
            refused.incrementAndGet();
            if (refusedFrom.add(host)) {
                // Quoted and cut short: the name is whatever the sender wrote.
                LOG.warn("dropped a status event published on {}'s address that names host {} in its body; {}'s events"
                        + " that name another host are dropped from now on without a word", host,
                        named == null ? "none" : TextNode.valueOf(Text.shorten(named)).toString(), host);
                try {
                    listener.onRefused(host, named);
                } catch (RuntimeException e) {
                    // The listener's own failure: the event stays dropped.
                }
            }
            return;
        }
        try {
            listener.onEvent(host, params);
        } catch (RuntimeException e) {
            // A listener's own failure must not stop the stream of events.
        }
    }
}
