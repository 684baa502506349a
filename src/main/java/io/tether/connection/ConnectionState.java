package io.tether.connection;

/** The state of one host connection as the wire contract names it. */
public enum ConnectionState {
    /** The worker is connecting, or has not yet seen the connection succeed since it was managed. */
    CONNECTING,
    /** The last probe or connect succeeded. */
    CONNECTED,
    /** The last probe or connect failed; {@code lastError} says why. The worker keeps trying. */
    DISCONNECTED
}
