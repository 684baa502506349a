package io.tether.uri;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything Tether knows about one storage type, in one place: how its URI is checked and
 * normalised, which host connection it names, what an engine may see of it, how it is made on the
 * host, and how a connection found on the host maps back to a key. Each {@link StorageType} holds
 * its scheme; adding a type is one class implementing this and one constant there
 * (docs/connectors.md, "Adding a storage type").
 *
 * <p>The generic parts of a URI (syntax, host and port, percent-decoding, the option list, secret
 * redaction, length limits) are {@link UriParser}'s and {@link StorageUri}'s; a scheme handles only
 * what differs by type. Implementations are stateless.
 */
public interface Scheme {

    /** What the host holds for a connection of this type, which decides the connector that makes it. */
    enum Makes {
        /** A file system mounted under the mount root ({@link #mount} says how). */
        MOUNT,
        /** An iSCSI session of the host's initiator. */
        ISCSI_SESSION,
        /** An NVMe over TCP controller of the host's, connected to one subsystem. */
        NVME_CONTROLLER,
        /** A local directory: nothing is made, only checked. */
        LOCAL_DIRECTORY
    }

    /**
     * What a scheme is, as data.
     *
     * @param name        the URI scheme ({@code nfs}), also the {@code type} field of connection info
     * @param defaultPort the port a URI may leave out, dropped from the key when given; -1 when the
     *                    type has none
     * @param parameters  the query parameters the type takes; any other is refused with a message
     *                    listing these
     * @param makes       what the host holds for a connection of this type
     * @param kernelTypes the file-system types mountinfo shows for this type's mounts ({@code nfs4}
     *                    for an NFS mount, say); empty when they have the type their URI names, as
     *                    {@code posix://} mounts do, or when the type does not mount
     */
    record Facts(String name, int defaultPort, Set<String> parameters, Makes makes, Set<String> kernelTypes) {
        public Facts {
            parameters = Set.copyOf(parameters);
            kernelTypes = Set.copyOf(kernelTypes);
        }
    }

    /** This type's facts, the same every time. */
    Facts facts();

    /**
     * Checks and normalises what is particular to this type ({@code parts} has passed the generic
     * checks) and returns the URI. The message of a failure never quotes user info.
     */
    StorageUri parse(UriParts parts) throws InvalidUriException;

    /**
     * Puts into {@code info} the fields that name what this URI reaches on its server, never a
     * credential; by default its {@code path}. {@link StorageUri#connectionInfo} adds the generic
     * ones around them.
     */
    default void putTarget(StorageUri uri, Map<String, Object> info) {
        info.put("path", uri.path());
    }

    /**
     * The host connection {@code uri} names: shared by every URI that differs only in parameters,
     * options, credentials or LUN. By default {@code scheme://host[:port]/path}.
     */
    default ConnectionKey key(StorageUri uri) {
        return new ConnectionKey(uri.location());
    }

    /** How {@code uri} is mounted; empty for a type whose {@link Facts#makes()} is not {@link Makes#MOUNT}. */
    default Optional<MountSettings> mount(StorageUri uri) {
        return Optional.empty();
    }

    /**
     * The mount spec a host mount of {@code kernelType} was made from, given the {@code source}
     * mountinfo shows for it; by default that source.
     */
    default String specOfMount(String kernelType, String source) {
        return source;
    }

    /**
     * The key a managed connection would have for a host mount of {@code kernelType} from
     * {@code source} (mountinfo's fields); empty when no URI of this type names it. By default the
     * key of {@code scheme://host/path} for a spec {@code host:/path}, for a type that mounts.
     */
    default Optional<ConnectionKey> keyOfMount(String kernelType, String source) {
        return facts().makes() == Makes.MOUNT
                ? MountSettings.keyOfSource(facts().name(), specOfMount(kernelType, source), "") : Optional.empty();
    }
}
