package io.tether.argv;

import java.util.Objects;

/**
 * An iSCSI portal as iscsiadm's {@code -p} takes it: {@code host:port[,tpgt]}, an IPv6 host in
 * brackets.
 *
 * @param host the portal's host
 * @param port its port
 * @param tpgt the portal group tag, or null
 */
public record Portal(Host host, int port, Integer tpgt) implements Arg {
    public Portal {
        Objects.requireNonNull(host);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("has a port outside 1 to 65535");
        }
        if (tpgt != null && (tpgt < 0 || tpgt > 65535)) {
            throw new IllegalArgumentException("has a portal group tag outside 0 to 65535");
        }
    }

    @Override
    public String text() {
        return host.text() + ":" + port + (tpgt == null ? "" : "," + tpgt);
    }
}
