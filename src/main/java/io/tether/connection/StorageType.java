package io.tether.connection;

import java.util.Arrays;
import java.util.Optional;

/** The five kinds of storage connection a host can hold, named by their URI scheme. */
public enum StorageType {
    NFS("nfs", 2049),
    ISCSI("iscsi", 3260),
    GLUSTERFS("glusterfs", 24007),
    POSIX("posix", -1),
    FILE("file", -1);

    private final String scheme;
    private final int defaultPort;

    StorageType(String scheme, int defaultPort) {
        this.scheme = scheme;
        this.defaultPort = defaultPort;
    }

    /** The URI scheme, also the {@code type} field of connection info. */
    public String scheme() {
        return scheme;
    }

    /** The port dropped from connection keys when given explicitly; -1 when the type has none. */
    public int defaultPort() {
        return defaultPort;
    }

    public static Optional<StorageType> ofScheme(String scheme) {
        return Arrays.stream(values()).filter(t -> t.scheme.equalsIgnoreCase(scheme)).findFirst();
    }
}
