package io.tether.cli;

import io.tether.amqp.BrokerCredentials;
import io.tether.broker.EmbeddedBroker;
import io.tether.broker.StompAcceptor;
import io.tether.vdsm.VdsmGateway;
import io.tether.worker.Worker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The worker's options for VDSM's engine client (docs/operations.md, "Migrating from VDSM"): where
 * the embedded broker listens for it over STOMP, and with which TLS stores; or, with a standalone
 * broker whose own acceptor takes the engine's connection, the login the worker answers it with.
 * Off unless {@code --vdsm-stomp-address} or {@code --vdsm-gateway-password-file} is given.
 */
public final class VdsmOptions {
    /** How long a connectStorageServer waits for its connections before it answers with an error. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--vdsm-stomp-address", paramLabel = "HOST:PORT",
            description = "Answer VDSM's connectStorageServer/disconnectStorageServer over STOMP here (off by default; "
                    + "VDSM listens on port 54321). Needs the embedded broker; TLS unless HOST is loopback.")
    String address;

    @Option(names = "--vdsm-stomp-key-store", paramLabel = "FILE",
            description = "The host's key store for the VDSM STOMP listener (PKCS12).")
    Path keyStore;

    @Option(names = "--vdsm-stomp-key-store-password-file", paramLabel = "FILE", description = "Its password.")
    Path keyStorePasswordFile;

    @Option(names = "--vdsm-stomp-trust-store", paramLabel = "FILE",
            description = "The engine's CA certificate (PKCS12 trust store): only clients it signed connect.")
    Path trustStore;

    @Option(names = "--vdsm-stomp-trust-store-password-file", paramLabel = "FILE", description = "Its password.")
    Path trustStorePasswordFile;

    @Option(names = "--vdsm-gateway-password-file", paramLabel = "FILE",
            description = "With --broker-url: answer the VDSM requests that the standalone broker's vdsm-stomp acceptor "
                    + "takes, logging in as user " + STANDALONE_USER + " with the password in FILE "
                    + "(setup-broker.sh writes it to INSTANCE/credentials/" + STANDALONE_USER + ".password).")
    Path gatewayPasswordFile;

    /** The gateway's user on a standalone broker, which setup-broker.sh adds. */
    static final String STANDALONE_USER = "vdsm-gateway";

    /** The acceptor asked for, checked before anything starts; null when VDSM's listener is off. */
    StompAcceptor acceptor(boolean embeddedBroker) {
        if (address == null) {
            return null;
        }
        if (!embeddedBroker) {
            throw new IllegalArgumentException("--vdsm-stomp-address needs the embedded broker; a standalone broker "
                    + "has its own STOMP acceptor (broker-config/broker.xml), answered with --vdsm-gateway-password-file");
        }
        StompAcceptor.Tls tls = null;
        if (keyStore != null || trustStore != null) {
            if (keyStore == null || trustStore == null) {
                throw new IllegalArgumentException("--vdsm-stomp-key-store and --vdsm-stomp-trust-store go together");
            }
            tls = new StompAcceptor.Tls(keyStore, password(keyStorePasswordFile), trustStore, password(trustStorePasswordFile));
        }
        return StompAcceptor.parse(address, tls);
    }

    /**
     * The gateway's login on a standalone broker, checked before anything starts; null unless
     * {@code --vdsm-gateway-password-file} is given.
     */
    BrokerCredentials standaloneLogin(boolean embeddedBroker) {
        if (gatewayPasswordFile == null) {
            return null;
        }
        if (embeddedBroker) {
            throw new IllegalArgumentException("--vdsm-gateway-password-file is for a standalone broker (--broker-url); "
                    + "the embedded broker answers VDSM with --vdsm-stomp-address");
        }
        return new BrokerCredentials(STANDALONE_USER, password(gatewayPasswordFile));
    }

    private static String password(Path file) {
        if (file == null) {
            return "";
        }
        try {
            return BrokerCredentials.readPasswordFile(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e);
        }
    }

    /**
     * Starts the gateway that answers VDSM's engine client: on the worker's embedded broker, after
     * opening its STOMP {@code acceptor}; on a standalone broker, whose acceptor is its own, as
     * {@code standaloneLogin}. Returns null when neither is asked for.
     */
    static VdsmGateway start(Worker worker, StompAcceptor acceptor, BrokerCredentials standaloneLogin) throws Exception {
        BrokerCredentials login = standaloneLogin;
        if (acceptor != null) {
            EmbeddedBroker broker = worker.embeddedBroker().orElseThrow();
            login = broker.openVdsmStomp(acceptor);
        }
        return login == null ? null : VdsmGateway.start(worker.brokerUrl(), login, worker.config().hostId(), CONNECT_TIMEOUT);
    }
}
