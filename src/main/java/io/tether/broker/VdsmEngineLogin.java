package io.tether.broker;

import java.util.HashMap;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.callback.CallbackHandler;
import org.apache.activemq.artemis.spi.core.security.jaas.GuestLoginModule;

/**
 * The login of a connection to VDSM's STOMP acceptor ({@link StompAcceptor}): VDSM's engine client
 * sends no user name, and proves who it is with its TLS certificate, which the acceptor checks
 * against its trust store before any frame is read. Every such connection is user and role
 * {@value #ROLE}, which may only send VDSM requests and read their responses (broker.xml).
 */
public final class VdsmEngineLogin extends GuestLoginModule {
    /** The user and role of every connection that arrives on the VDSM STOMP acceptor. */
    public static final String ROLE = "vdsm-engine";

    @Override
    public void initialize(Subject subject, CallbackHandler handler, Map<String, ?> sharedState, Map<String, ?> options) {
        Map<String, Object> guest = new HashMap<>(options);
        guest.put(GUEST_USER, ROLE);
        guest.put(GUEST_ROLE, ROLE);
        super.initialize(subject, handler, sharedState, guest);
    }
}
