package io.tether.uri;

import io.tether.argv.MountOption;
import io.tether.argv.MountSource;
import io.tether.argv.VfsType;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a URI is mounted: what {@code mount -t VFSTYPE -o OPTIONS SOURCE MOUNTPOINT} is given, where
 * the mount point goes, and what to ask the server first. Made by the URI's {@link Scheme#mount}
 * from checked parts only ({@link io.tether.argv.Arg}).
 *
 * @param type          the {@code mount -t} type
 * @param spec          the mount spec: {@code host:/path} with the host as the URI writes it, or a
 *                      local path such as {@code /dev/sdb1}; the mount point's name is made from it
 *                      as VDSM makes it (docs/connectors.md, "Mount directories")
 * @param options       the options the type derives from the URI's parameters and port, never a
 *                      secret; the URI's own options follow them
 * @param directory     the subdirectory of the mount root that holds the mount point, "" for the root
 * @param typeRequested whether the URI chose {@code vfsType}: the host's mount policy must then allow
 *                      the type; a type that always mounts as itself needs no such entry
 * @param installHint   the package that provides {@code mount.VFSTYPE}, named when mount has no helper
 * @param serverCheck   what to ask the server before mounting, so "unreachable" and "mount failed"
 *                      are told apart; empty when there is no server or no protocol to ask it with
 */
public record MountSettings(VfsType type, MountSource spec, List<MountOption> options, String directory,
        boolean typeRequested, String installHint, Optional<ServerCheck> serverCheck) {

    public MountSettings {
        Objects.requireNonNull(type);
        Objects.requireNonNull(spec);
        options = List.copyOf(options);
        Objects.requireNonNull(directory);
        Objects.requireNonNull(serverCheck);
    }

    /** The {@code mount -t} type's name. */
    public String vfsType() {
        return type.text();
    }

    /** The mount spec as mount is given it. */
    public String source() {
        return spec.text();
    }

    /**
     * The key of a host mount of {@code source} ({@code host:/path}, or a path) as a URI of
     * {@code scheme} with {@code query} would have it; empty when no such URI parses.
     */
    static Optional<ConnectionKey> keyOfSource(String scheme, String source, String query) {
        int colon = source.indexOf(":/");
        String location = colon > 0
                ? source.substring(0, colon) + source.substring(colon + 1)
                : source.startsWith("/") ? source : "/" + source;
        try {
            return Optional.of(UriParser.parse(scheme + "://" + location + query).key());
        } catch (InvalidUriException e) {
            return Optional.empty();
        }
    }
}
