package io.tether.broker;

import io.netty.channel.ChannelPipeline;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.BaseInterceptor;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyServerConnection;
import org.apache.activemq.artemis.core.server.routing.RoutingHandler;
import org.apache.activemq.artemis.spi.core.protocol.ConnectionEntry;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManager;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManagerFactory;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;
import org.apache.activemq.artemis.spi.core.remoting.Connection;

/**
 * Artemis's STOMP protocol manager for one acceptor of {@link EngineStompProtocol}: everything is
 * Artemis's own, except that a connection is STOMP whichever client frame it opens with,
 * {@link ConnectFirst} orders its first frames before Artemis reads them, and {@link NulEndsFrame}
 * ends the frames Artemis sends as VDSM's do.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
final class EngineStompManager implements ProtocolManager {
    /** The frames a STOMP client sends (STOMP 1.2, "Client Frames"), as a connection may open with them. */
    private static final List<String> CLIENT_FRAMES = List.of("CONNECT", "STOMP", "SEND", "SUBSCRIBE", "UNSUBSCRIBE",
            "BEGIN", "COMMIT", "ABORT", "ACK", "NACK", "DISCONNECT");

    private final ProtocolManager stomp;

    EngineStompManager(ProtocolManager stomp) {
        this.stomp = stomp;
    }

    /**
     * Whether a connection's first bytes (Artemis reads eight) open a STOMP client frame, after any
     * heart-beat end-of-lines.
     */
    @Override
    public boolean isProtocol(byte[] start) {
        String text = new String(start, StandardCharsets.US_ASCII).stripLeading();
        return !text.isEmpty() && CLIENT_FRAMES.stream().anyMatch(frame -> frame.startsWith(text) || text.startsWith(frame));
    }

    @Override
    public void addChannelHandlers(ChannelPipeline pipeline) {
        stomp.addChannelHandlers(pipeline);
        pipeline.addLast(NulEndsFrame.NAME, new NulEndsFrame());
        pipeline.addLast(ConnectFirst.NAME, new ConnectFirst());
    }

    @Override
    public ProtocolManagerFactory getFactory() {
        return stomp.getFactory();
    }

    @Override
    public void updateInterceptors(List incoming, List outgoing) {
        stomp.updateInterceptors(incoming, outgoing);
    }

    @Override
    public ConnectionEntry createConnectionEntry(Acceptor acceptor, Connection connection) {
        return stomp.createConnectionEntry(acceptor, connection);
    }

    @Override
    public void removeHandler(String name) {
        stomp.removeHandler(name);
    }

    @Override
    public void handleBuffer(RemotingConnection connection, ActiveMQBuffer buffer) {
        stomp.handleBuffer(connection, buffer);
    }

    @Override
    public boolean acceptsNoHandshake() {
        return stomp.acceptsNoHandshake();
    }

    @Override
    public void handshake(NettyServerConnection connection, ActiveMQBuffer buffer) {
        stomp.handshake(connection, buffer);
    }

    @Override
    public List<String> websocketSubprotocolIdentifiers() {
        return stomp.websocketSubprotocolIdentifiers();
    }

    @Override
    public void setAnycastPrefix(String prefix) {
        stomp.setAnycastPrefix(prefix);
    }

    @Override
    public void setMulticastPrefix(String prefix) {
        stomp.setMulticastPrefix(prefix);
    }

    @Override
    public Map<SimpleString, RoutingType> getPrefixes() {
        return stomp.getPrefixes();
    }

    @Override
    public void setSecurityDomain(String domain) {
        stomp.setSecurityDomain(domain);
    }

    @Override
    public String getSecurityDomain() {
        return stomp.getSecurityDomain();
    }

    @Override
    public RoutingHandler getRoutingHandler() {
        return stomp.getRoutingHandler();
    }
}
