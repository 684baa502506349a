package io.tether.argv;

import java.util.Objects;

/**
 * What mount mounts: {@code HOST:/PATH} (NFS, GlusterFS, a POSIX type with a server),
 * {@code HOST:PORT:/PATH} (a POSIX type whose URI gives a port), or {@code /PATH} (a local
 * device or path). The host as the URI writes it, as VDSM names its mounts.
 *
 * @param host the server, or null for a local path
 * @param port the port written in the source, or -1
 * @param path the path on the server, or the local path
 */
public record MountSource(Host host, int port, RemotePath path) implements Arg {
    public MountSource {
        Objects.requireNonNull(path);
        if (host == null && port != -1) {
            throw new IllegalArgumentException("has a port but no host");
        }
        if (port != -1 && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("has a port outside 1 to 65535");
        }
    }

    @Override
    public String text() {
        return host == null ? path.text() : host.text() + (port == -1 ? "" : ":" + port) + ":" + path.text();
    }
}
