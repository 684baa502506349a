package io.tether.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where the worker's HTTP endpoint, or the console, listens ({@code --http-address HOST:PORT}); port
 * 0 picks a free one. The default binds the loopback address only: metrics name storage servers and
 * exports, which are the operator's to share. On a loopback address only loopback names are served
 * ({@link #servedNames}), so a web page of another site cannot read it through a name of its own.
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

    /** Whether it is a loopback address (127.0.0.0/8, ::1, or a name of one, such as localhost). */
    private boolean isLoopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Which {@code Host} headers a server on this address answers (a request with another is
     * refused: 421). On a loopback address only a loopback name (localhost, 127.x.y.z or [::1], with
     * any port): a page of another site that points a name of its own at 127.0.0.1 (DNS rebinding)
     * gets nothing, since its requests carry that name. On another address every name, as the
     * operator chose to serve a network (its firewall says who). Decided once, asked per request.
     */
    public Predicate<String> servedNames() {
        return isLoopback() ? HttpAddress::loopbackName : hostHeader -> true;
    }

    /** A Host header naming this machine's loopback: localhost, 127.x.y.z or [::1], with any port. */
    static boolean loopbackName(String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        String name = hostHeader.startsWith("[") ? hostHeader.substring(1, Math.max(1, hostHeader.indexOf(']')))
                : hostHeader.contains(":") ? hostHeader.substring(0, hostHeader.indexOf(':')) : hostHeader;
        return name.equalsIgnoreCase("localhost") || name.equals("::1") || name.matches("127(\\.\\d{1,3}){3}");
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
