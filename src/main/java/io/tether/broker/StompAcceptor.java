package io.tether.broker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the broker listens for VDSM's engine client (STOMP 1.2), and with which TLS: the host's
 * key store (the certificate the engine checks, as it checks VDSM's) and the trust store that holds
 * the engine's certificate, which every client must present. Without TLS only a loopback address is
 * allowed, since nothing else would tell an engine from anyone else on the network.
 *
 * @param tls null for plain STOMP (loopback only)
 */
public record StompAcceptor(String host, int port, Tls tls) {
    /** The acceptor's name in the broker. */
    public static final String NAME = "vdsm-stomp";

    /** Key store and trust store (PKCS12 or JKS, by file name), each with its password. */
    public record Tls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {
        public Tls {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(trustStore, "trustStore");
        }

        @Override
        public String toString() {
            return "Tls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
        }
    }

    public StompAcceptor {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the VDSM STOMP port must be 0-65535, not " + port);
        }
        if (tls == null && !isLoopback(host)) {
            throw new IllegalArgumentException("the VDSM STOMP address " + host + ":" + port
                    + " is not a loopback address: give it a key store and the engine's trust store (TLS)");
        }
    }

    /** Parses {@code HOST:PORT} ({@code [v6]:PORT} for an IPv6 literal). */
    public static StompAcceptor parse(String address, Tls tls) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("the VDSM STOMP address must be HOST:PORT, not " + address);
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new StompAcceptor(host, Integer.parseInt(address.substring(colon + 1)), tls);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the VDSM STOMP address must be HOST:PORT, not " + address);
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /**
     * The acceptor's Artemis URI: STOMP only, every connection logged in as {@link VdsmEngineLogin}
     * (the engine sends no login), and with TLS the client's certificate required.
     */
    String uri() {
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        StringBuilder uri = new StringBuilder("tcp://").append(hostPart).append(':').append(port)
                .append("?protocols=").append(EngineStompProtocol.NAME).append(";securityDomain=").append(VdsmEngineLogin.DOMAIN)
                .append(";stompEnableMessageId=false;supportAdvisory=false;suppressInternalManagementObjects=true");
        if (tls != null) {
            uri.append(";sslEnabled=true;needClientAuth=true")
                    .append(";keyStorePath=").append(tls.keyStore().toAbsolutePath())
                    .append(";keyStorePassword=").append(tls.keyStorePassword())
                    .append(";trustStorePath=").append(tls.trustStore().toAbsolutePath())
                    .append(";trustStorePassword=").append(tls.trustStorePassword());
        }
        return uri.toString();
    }
}
