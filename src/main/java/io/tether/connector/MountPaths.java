package io.tether.connector;

import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import io.tether.files.UntrustedPathException;
import io.tether.uri.MountSettings;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Where a connection is mounted: named as VDSM names it, so that VDSM's mounts are found where VDSM
 * made them and tools and habits built around VDSM's layout still work: the mount spec
 * ({@code server:/export/path}, the host as the URI writes it) normalised, with {@code _} doubled
 * and {@code /} turned into {@code _}, under the mount root, in the subdirectory the URI's type
 * asks for (GlusterFS: {@code glusterSD/}). docs/connectors.md, "Mount directories".
 */
public final class MountPaths {

    private MountPaths() {
    }

    /** How {@code uri} is mounted, from its type's scheme; for a URI that is not mounted, an error. */
    public static MountSettings settings(StorageUri uri) {
        return uri.type().definition().mount(uri)
                .orElseThrow(() -> new IllegalArgumentException(uri.type() + " is not mounted"));
    }

    /** The mount point of {@code uri} under {@code root}: VDSM's for the URI's spec. */
    public static Path mountPoint(Path root, StorageUri uri) {
        return mountPoint(root, settings(uri));
    }

    /** The mount point under {@code root} of a URI mounted with {@code settings}. */
    public static Path mountPoint(Path root, MountSettings settings) {
        return root.resolve(settings.directory()).resolve(escape(normalise(settings.source())));
    }

    /**
     * Makes {@code mountPoint} (and the subdirectory it is in below {@code root}, {@code glusterSD/})
     * with mode 0755, whatever the process's umask: VMs run as another user and must traverse them
     * to their disks. Nothing on the way is followed: each part is made with mkdir, or found, and
     * must then be a directory itself (not a link to one) owned by root or this process's user;
     * only the last may be written by others. A link there is refused, never mounted over: mount
     * would mount where it points. {@code root} is the checked real path of the mount root.
     *
     * @throws UntrustedPathException a link, something other than a directory, or another user's directory on the way
     */
    public static void createMountPoint(Path root, Path mountPoint) throws IOException {
        Path relative = root.relativize(mountPoint);
        if (relative.toString().isEmpty() || relative.startsWith("..")) {
            throw new IllegalArgumentException(mountPoint + " is not below the mount root " + root);
        }
        Path at = root;
        for (Path name : relative) {
            at = at.resolve(name);
            try {
                Files.createDirectory(at);
                TrustedPaths.setPermissions(at, TrustedPaths.SHARED_DIRECTORY);
            } catch (FileAlreadyExistsException found) {
                // Left by an earlier mount, or made by VDSM: checked below like one made now.
            }
            PosixFileAttributes attributes = TrustedPaths.lstat(at);
            if (attributes.isSymbolicLink()) {
                throw new UntrustedPathException("mount point " + mountPoint + ": " + at
                        + " is a symbolic link, which is never followed: remove it");
            }
            if (!attributes.isDirectory()) {
                throw new UntrustedPathException("mount point " + mountPoint + ": " + at + " is not a directory: remove it");
            }
            TrustedPaths.requireOwner("mount point", mountPoint, at, attributes, Owner.ROOT_OR_SELF);
            if (!at.equals(mountPoint)) {
                TrustedPaths.requireNotWritableByOthers("mount point", mountPoint, at, attributes, false);
            }
        }
    }

    /**
     * The real path of the mount root {@code root}, if it exists: mountinfo shows real paths, and a
     * mount point named through a link would never match its own mount (connect would mount again
     * and again). The worker checks and resolves it at start; this is for connectors made otherwise.
     */
    static Path realRoot(Path root) {
        Path absolute = root.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            return absolute;
        }
    }

    /**
     * {@code mountPoint} with the host its name starts with in the URI parser's one spelling: the
     * mount points of one spec whose hosts are written differently ({@code Filer:_exp} and
     * {@code filer:_exp}, {@code [0::1]:_v6} and {@code [::1]:_v6}) have the same one
     * (docs/connectors.md, "One connection, several spellings"). A name that starts with no host
     * (a local path's) is its own.
     */
    public static Path inOneSpelling(Path mountPoint) {
        Path name = mountPoint.getFileName();
        if (name == null) {
            return mountPoint;
        }
        Optional<HostTail> split = HostTail.split(name.toString());
        if (split.isEmpty()) {
            return mountPoint;
        }
        // A '_' of the host is doubled in the name; a single one would be a '/', which no host holds.
        String host = split.get().host().replace("__", "_");
        if (!escape(host).equals(split.get().host())) {
            return mountPoint;
        }
        return canonical(new HostTail(host, split.get().tail()))
                .map(one -> mountPoint.resolveSibling(escape(one.host()) + ":" + one.tail()))
                .orElse(mountPoint);
    }

    /**
     * Whether a mount whose source mountinfo shows as {@code shown} was mounted from {@code spec}:
     * the same once both are normalised as VDSM normalises them (the kernel shows some NFSv4
     * mounts as {@code server://path}, and VDSM mounted any {@code server:/path/} as
     * {@code server:/path}), with the host compared in its one spelling.
     */
    public static boolean sameSpec(String shown, String spec) {
        String a = normalise(shown);
        String b = normalise(spec);
        if (a.equals(b)) {
            return true;
        }
        Optional<HostTail> x = HostTail.split(a).flatMap(MountPaths::canonical);
        return x.isPresent() && x.equals(HostTail.split(b).flatMap(MountPaths::canonical));
    }

    /** {@code spec} with its host in the URI parser's one spelling; empty when it is no valid host. */
    private static Optional<HostTail> canonical(HostTail spec) {
        return UriParser.canonicalHost(spec.host()).map(spec::withHost);
    }

    /** VDSM's transformPath: "_" to "__", then "/" to "_" (docs/connectors.md, "Mount directories"). */
    static String escape(String spec) {
        return spec.replace("_", "__").replace("/", "_");
    }

    /**
     * VDSM's normalize_path: {@code host[:port]:path} with the path normalised and the host kept as
     * written (an IPv6 address in brackets), a local path normalised, anything else normalised as a
     * path; a spec without a host or tail (VDSM refuses it) as it is. A tail before whose first
     * {@code :} there is no port ({@code 01234:/}) is a path as a whole, as in VDSM.
     */
    static String normalise(String spec) {
        if (spec.startsWith("/") || spec.indexOf(':') < 0) {
            return normpath(spec);
        }
        Optional<HostTail> split = HostTail.split(spec);
        if (split.isEmpty()) {
            return spec;
        }
        String tail = split.get().tail();
        int colon = tail.indexOf(':');
        tail = colon >= 0 && isPort(tail.substring(0, colon))
                ? tail.substring(0, colon + 1) + normpath(tail.substring(colon + 1))
                : normpath(tail);
        return split.get().withTail(tail).join();
    }

    /**
     * Python's os.path.normpath as VDSM's fileUtils.normpath uses it: repeated {@code /}, trailing
     * {@code /} and {@code .} segments dropped, {@code ..} taking the segment before it (none above
     * the root; kept at the start of a relative path), and {@code //} at the start made {@code /}.
     */
    static String normpath(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean absolute = path.startsWith("/");
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (!segment.equals("..") || !absolute && (segments.isEmpty() || segments.peekLast().equals(".."))) {
                segments.addLast(segment);
            } else if (!segments.isEmpty()) {
                segments.removeLast();
            }
        }
        String joined = String.join("/", segments);
        return absolute ? "/" + joined : joined.isEmpty() ? "." : joined;
    }

    /** VDSM's is_port: a number from 1 to 65535 written without a leading zero. */
    private static boolean isPort(String text) {
        return !text.isEmpty() && text.length() <= 5 && text.charAt(0) != '0'
                && text.chars().allMatch(c -> c >= '0' && c <= '9') && Integer.parseInt(text) <= 65535;
    }

    /**
     * A mount spec cut as VDSM's hosttail_split cuts it: the host as the spec writes it (an IPv6
     * address in its brackets) and what follows its {@code :}.
     */
    record HostTail(String host, String tail) {
        /** Empty when {@code spec} has no host or nothing after it. */
        static Optional<HostTail> split(String spec) {
            boolean bracketed = spec.startsWith("[");
            int hostEnd = bracketed ? spec.indexOf("]:") + 1 : spec.indexOf(':');
            if (hostEnd <= (bracketed ? 2 : 0) || hostEnd + 1 >= spec.length()) {
                return Optional.empty();
            }
            return Optional.of(new HostTail(spec.substring(0, hostEnd), spec.substring(hostEnd + 1)));
        }

        HostTail withHost(String host) {
            return new HostTail(host, tail);
        }

        HostTail withTail(String tail) {
            return new HostTail(host, tail);
        }

        /** VDSM's hosttail_join. */
        String join() {
            return host + ":" + tail;
        }
    }
}
