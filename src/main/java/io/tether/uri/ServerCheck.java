package io.tether.uri;

/**
 * How to ask a storage server whether it is there before connecting to it. The connector runs the
 * check; the URI's {@link Scheme} chooses it and its port. Hosts are as the URI writes them.
 */
public sealed interface ServerCheck {

    /** A TCP connection opened and closed; {@code what} names the server in errors ("GlusterFS server"). */
    record Tcp(String what, String host, int port) implements ServerCheck {
    }

    /** An NFS {@code NULL} call of NFS {@code version} over TCP, which only an NFS server answers. */
    record NfsNull(String host, int port, int version) implements ServerCheck {
    }
}
