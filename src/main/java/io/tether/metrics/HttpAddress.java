package io.tether.metrics;

import java.util.Optional;

/**
 * Where the worker's HTTP endpoint listens ({@code --http-address HOST:PORT}); port 0 picks a free
 * one. The default binds the loopback address only: metrics name storage servers and exports, which
 * are the operator's to share.
 */
public record HttpAddress(String host, int port) {
    /** The CLI's default. */
    public static final String DEFAULT = "127.0.0.1:9464";
    /** The value that turns the endpoint off. */
    public static final String OFF = "off";

    public HttpAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 0-65535");
        }
    }

    /**
     * {@code HOST:PORT} ({@code [v6]:PORT} for an IPv6 address), or {@code off}: empty. A value that
     * is neither is an {@link IllegalArgumentException} naming {@code option}.
     */
    public static Optional<HttpAddress> parse(String option, String value) {
        if (value == null || OFF.equalsIgnoreCase(value.trim())) {
            return Optional.empty();
        }
        String text = value.trim();
        int colon = text.lastIndexOf(':');
        String why;
        if (colon <= 0 || colon == text.length() - 1) {
            why = "give HOST:PORT (e.g. " + DEFAULT + ") or " + OFF;
        } else {
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                return Optional.of(new HttpAddress(host, Integer.parseInt(text.substring(colon + 1))));
            } catch (NumberFormatException e) {
                why = "the port is not a number";
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
        }
        throw new IllegalArgumentException(option + " " + value + ": " + why);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
