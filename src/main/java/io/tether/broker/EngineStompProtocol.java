package io.tether.broker;

import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.api.core.BaseInterceptor;
import org.apache.activemq.artemis.core.protocol.stomp.StompProtocolManagerFactory;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManager;

/**
 * Artemis's STOMP as VDSM's engine client needs it, named {@value #NAME} in an acceptor's
 * {@code protocols}: Artemis's own STOMP 1.2, spoken the way VDSM speaks it where the engine's
 * client (oVirt's vdsm-jsonrpc-java) depends on that. The client queues its SUBSCRIBE frames and its
 * CONNECT from two threads, so a SUBSCRIBE may reach the wire first: VDSM takes that, while plain
 * Artemis STOMP neither recognises such a connection as STOMP nor takes a SUBSCRIBE before CONNECT
 * ({@link ConnectFirst}). And the client cannot read the end-of-line Artemis sends after each
 * frame, which VDSM does not send ({@link NulEndsFrame}). Found by Artemis through
 * {@code META-INF/services}.
 */
public final class EngineStompProtocol extends StompProtocolManagerFactory {
    /** The protocol's name in an acceptor URI's {@code protocols} parameter. */
    public static final String NAME = "VDSM_STOMP";

    @Override
    public ProtocolManager createProtocolManager(ActiveMQServer server, Map<String, Object> parameters,
            List<BaseInterceptor> incoming, List<BaseInterceptor> outgoing) throws Exception {
        return new EngineStompManager(super.createProtocolManager(server, parameters, incoming, outgoing));
    }

    @Override
    public String[] getProtocols() {
        return new String[] {NAME};
    }

    @Override
    public String getModuleName() {
        return "tether-vdsm-stomp";
    }
}
