package io.tether.uri;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of storage connection a host can hold, named by their URI scheme: the one list of
 * them. Each holds its {@link Scheme}, where everything particular to the type lives; a new type is
 * a new scheme class and one constant here (docs/connectors.md, "Adding a storage type").
 */
public enum StorageType {
    NFS(new NfsScheme()),
    ISCSI(new IscsiScheme()),
    GLUSTERFS(new GlusterScheme()),
    POSIX(new PosixScheme()),
    FILE(new FileScheme());

    private final Scheme definition;

    StorageType(Scheme definition) {
        this.definition = definition;
    }

    /** Everything particular to this type: its URI, key, connection info, mount and default port. */
    public Scheme definition() {
        return definition;
    }

    /** The URI scheme, also the {@code type} field of connection info. */
    public String scheme() {
        return definition.facts().name();
    }

    /** The port dropped from connection keys when given explicitly; -1 when the type has none. */
    public int defaultPort() {
        return definition.facts().defaultPort();
    }

    public static Optional<StorageType> ofScheme(String scheme) {
        return Arrays.stream(values()).filter(t -> t.scheme().equalsIgnoreCase(scheme)).findFirst();
    }

    /**
     * The type of a host mount that mountinfo shows as {@code kernelType}: the one that mounts as
     * that, or else {@link #POSIX}, since any file system is what {@code posix://...?vfsType=T} mounts.
     */
    public static StorageType ofMount(String kernelType) {
        return Arrays.stream(values()).filter(t -> t.definition.facts().kernelTypes().contains(kernelType))
                .findFirst().orElse(POSIX);
    }
}
