package io.tether.broker;

import java.util.HashMap;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
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

    /** The JAAS domain the acceptor names: this class's name. */
    static final String DOMAIN = VdsmEngineLogin.class.getName();

    /**
     * Makes the JVM's JAAS configuration answer {@link #DOMAIN} with this module, every other
     * domain as before. Artemis looks an acceptor's security domain up there, not in the broker's
     * own logins; the embedded broker has no login.config file to name it in.
     */
    static synchronized void install() {
        Configuration current;
        try {
            current = Configuration.getConfiguration();
        } catch (SecurityException none) {
            current = null; // no login.config: no other domain to keep
        }
        if (!(current instanceof WithVdsmDomain)) {
            Configuration.setConfiguration(new WithVdsmDomain(current));
        }
    }

    /** A JAAS configuration that adds {@link #DOMAIN} to another's domains. */
    private static final class WithVdsmDomain extends Configuration {
        private final Configuration others;

        WithVdsmDomain(Configuration others) {
            this.others = others;
        }

        @Override
        public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            if (DOMAIN.equals(name)) {
                return new AppConfigurationEntry[] {new AppConfigurationEntry(DOMAIN,
                        AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of())};
            }
            return others == null ? null : others.getAppConfigurationEntry(name);
        }

        @Override
        public void refresh() {
            if (others != null) {
                others.refresh();
            }
        }
    }

    @Override
    public void initialize(Subject subject, CallbackHandler handler, Map<String, ?> sharedState, Map<String, ?> options) {
        Map<String, Object> guest = new HashMap<>(options);
        guest.put(GUEST_USER, ROLE);
        guest.put(GUEST_ROLE, ROLE);
        super.initialize(subject, handler, sharedState, guest);
    }
}
