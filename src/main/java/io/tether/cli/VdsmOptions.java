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
 * the embedded broker listens for it over STOMP, and with which TLS stores. Off unless
 * {@code --vdsm-stomp-address} is given.
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

    /** The acceptor asked for, checked before anything starts; null when VDSM's listener is off. */
    StompAcceptor acceptor(boolean embeddedBroker) {
        if (address == null) {
            return null;
        }
        if (!embeddedBroker) {
            throw new IllegalArgumentException("--vdsm-stomp-address needs the embedded broker; a standalone broker "
                    + "has its own STOMP acceptor (broker-config/broker.xml)");
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

    /** Opens the STOMP acceptor on the worker's embedded broker and starts the gateway that answers it. */
    static VdsmGateway start(Worker worker, StompAcceptor acceptor) throws Exception {
        EmbeddedBroker broker = worker.embeddedBroker().orElseThrow();
        BrokerCredentials login = broker.openVdsmStomp(acceptor);
        return VdsmGateway.start(worker.brokerUrl(), login, worker.config().hostId(), CONNECT_TIMEOUT);
    }
}
