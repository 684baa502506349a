package io.tether.uri;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

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
    FILE(new FileScheme()),
    NVME_TCP(new NvmeScheme());

    // Looked up on every request: a map, so that parsing one URI asks one scheme, not all of them.
    private static final Map<String, StorageType> BY_SCHEME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(StorageType::scheme, Function.identity()));

    private final Scheme definition;
    private final String scheme;
    private final int defaultPort;

    StorageType(Scheme definition) {
        this.definition = definition;
        this.scheme = definition.facts().name();
        this.defaultPort = definition.facts().defaultPort();
    }

    /** Everything particular to this type: its URI, key, connection info, mount and default port. */
    public Scheme definition() {
        return definition;
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
        return scheme == null ? Optional.empty() : Optional.ofNullable(BY_SCHEME.get(scheme.toLowerCase(Locale.ROOT)));
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
