package io.tether.connector;

import io.tether.files.TrustedPaths;
import io.tether.files.UntrustedPathException;
import io.tether.uri.MountSettings;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the local source of a {@code posix://} URI (one without a host) may be: a block device under
 * {@code /dev} that the host does not use. The worker runs mount(8) as root, and mount(8) attaches
 * a regular file as a loop device by itself when its file system type is one blkid knows: so a
 * source that is a file, or that leads through a directory or link another user controls, would
 * mount that user's image; one that leads through {@code /proc} or {@code /sys} could name a device
 * of another mount namespace, or the host's root file system by another name. So the source,
 * resolved part by part ({@link TrustedPaths#resolve}), must lead only through what root owns, to a
 * block device under {@code /dev} that is mounted nowhere, is no swap device, is held by no
 * device-mapper, LVM or md device, and whose partitions and disk are not either; a loop device must
 * be backed by root's file. Devices are compared by {@code major:minor}, whatever path names them.
 *
 * <p>Not checked: a remote spec ({@code host:/path}); a type the kernel mounts without a device
 * (tmpfs, whose source is only a name); and what the operator allowed instead of a device, a bind
 * mount's directory or a {@code loop} image (docs/connectors.md, "What a request may ask for").
 */
final class LocalSources {
    private static final Set<String> OPERATORS_SOURCES = Set.of("bind", "rbind", "loop", "offset", "sizelimit");

    private final MountTable table;
    private final MountHelpers helpers;
    /** sysfs ({@code /sys}): block devices by number, their partitions, holders and loop backing files. */
    private final Path sysfs;
    /** {@code /proc/swaps}. */
    private final Path swaps;

    LocalSources(MountTable table, MountHelpers helpers, Path sysfs, Path swaps) {
        this.table = table;
        this.helpers = helpers;
        this.sysfs = sysfs;
        this.swaps = swaps;
    }

    static LocalSources ofHost(MountTable table) {
        return new LocalSources(table, MountHelpers.ofHost(), Path.of("/sys"), Path.of("/proc/swaps"));
    }

    /** A block device's number, as mountinfo and sysfs write it: {@code major:minor}. */
    record Device(long major, long minor) {
        static Device of(long rdev) {
            // Linux's encoding of dev_t (glibc's gnu_dev_major and gnu_dev_minor).
            return new Device((rdev >>> 8) & 0xfff | (rdev >>> 32) & ~0xfffL, rdev & 0xff | (rdev >>> 12) & ~0xffL);
        }

        static Optional<Device> parse(String text) {
            int colon = text.indexOf(':');
            try {
                return colon < 0 ? Optional.empty()
                        : Optional.of(new Device(Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return major + ":" + minor;
        }
    }

    /** Refuses {@code uri}'s source unless it is what this class allows, with a message saying why. */
    void check(StorageUri uri, MountSettings settings) throws ConnectorException {
        String source = settings.source();
        if (!uri.host().isEmpty() || !source.startsWith("/")) {
            return;
        }
        if (uri.options().stream().map(o -> o.split("=", 2)[0]).anyMatch(OPERATORS_SOURCES::contains)
                || helpers.deviceless(settings.vfsType())) {
            return;
        }
        Path given = Path.of(source);
        TrustedPaths.Resolution resolution;
        try {
            resolution = TrustedPaths.resolve(given, "posix source");
        } catch (UntrustedPathException e) {
            throw refused(e.getMessage());
        } catch (IOException e) {
            throw refused("posix source " + source + " cannot be resolved (" + e.getClass().getSimpleName() + ")");
        }
        if (resolution.visited().stream().anyMatch(p -> p.startsWith("/proc") || p.startsWith("/sys"))
                || given.startsWith("/proc") || given.startsWith("/sys")) {
            throw refused("posix source " + source + " leads through /proc or /sys: name the device under /dev");
        }
        if (!resolution.exists()) {
            missing(source, resolution.real());
            return;
        }
        Path real = resolution.real();
        Device device = blockDevice(source, real);
        refuseInUse(source, real, device);
        refuseFileBacked(source, real, device);
    }

    /**
     * Nothing is there: mount says so in its own words, unless someone else could put something
     * there before mount looks (a directory others may write to, sticky or not).
     */
    private static void missing(String source, Path deepest) throws ConnectorException {
        try {
            PosixFileAttributes attributes = TrustedPaths.lstat(deepest);
            TrustedPaths.requireNotWritableByOthers("posix source", Path.of(source), deepest, attributes, false);
        } catch (UntrustedPathException e) {
            throw refused(e.getMessage() + "; it does not exist yet, and another user could make it");
        } catch (IOException e) {
            throw refused("posix source " + source + " cannot be resolved (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Device blockDevice(String source, Path real) throws ConnectorException {
        int mode;
        long rdev;
        try {
            mode = (Integer) Files.getAttribute(real, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            rdev = (Long) Files.getAttribute(real, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw refused("posix source " + source + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if ((mode & 0170000) != 0060000) {
            String kind = switch (mode & 0170000) {
                case 0100000 -> "a regular file";
                case 0040000 -> "a directory";
                case 0020000 -> "a character device";
                default -> "not a block device";
            };
            throw refused("posix source " + source + (real.toString().equals(source) ? "" : " (" + real + ")") + " is "
                    + kind + ": a posix:// URI without a host mounts a block device under /dev (mount would attach a file"
                    + " as a loop device itself)");
        }
        if (!real.startsWith("/dev/")) {
            throw refused("posix source " + source + " is a block device outside /dev (" + real + "): name it under /dev");
        }
        return Device.of(rdev);
    }

    /**
     * A device whose blocks are a file's: a loop device, a partition of one, or a device-mapper or md
     * device stacked on one (sysfs {@code slaves}). The kernel holds that file by reference, not by
     * name, so no check of a name tells whose it is: a user's image set up by udisks, then deleted
     * or renamed ({@code backing_file} then names nothing, or another file), or partitioned
     * ({@code loop0p1}, whose number is not the loop major's), passed a check of the backing file's
     * path. An image is the operator's ({@code loop}), never a request's.
     */
    private void refuseFileBacked(String source, Path real, Device device) throws ConnectorException {
        Optional<String> loop = fileBacked(device.toString(), 0);
        if (loop.isPresent()) {
            throw refused("posix source " + source + (real.toString().equals(source) ? "" : " (" + real + ")")
                    + " is backed by a file (" + loop.get() + "): a posix:// URI without a host mounts a disk, never an"
                    + " image; the host's operator can allow images with --allow-mount-option TYPE:loop");
        }
    }

    /**
     * The loop device under the block device {@code major:minor}, looking through a partition to its
     * disk and through a stacked device to its slaves; empty when there is none (or after
     * {@code depth} levels, deeper than any real stack).
     */
    private Optional<String> fileBacked(String number, int depth) {
        if (depth > 8) {
            return Optional.of("a stack of devices deeper than 8");
        }
        Path dir;
        try {
            dir = sysfs.resolve("dev/block/" + number).toRealPath();
        } catch (IOException e) {
            return Optional.empty(); // no sysfs entry: nothing is known to be under it
        }
        Path disk = Files.exists(dir.resolve("partition")) ? dir.getParent() : dir;
        if (Files.isDirectory(disk.resolve("loop"))) {
            return Optional.of(disk.getFileName().toString());
        }
        try (Stream<Path> slaves = Files.list(disk.resolve("slaves"))) {
            for (Path slave : slaves.toList()) {
                Optional<String> under = numberIn(slave).flatMap(d -> fileBacked(d.toString(), depth + 1));
                if (under.isPresent()) {
                    return under;
                }
            }
        } catch (IOException e) {
            // No slaves directory: a device of its own.
        }
        return Optional.empty();
    }

    /**
     * The device, its partitions or the disk it is a partition of: mounted anywhere (by number, and
     * by the source's device for file systems that show another number, as btrfs does), used as
     * swap, or held by another block device.
     */
    private void refuseInUse(String source, Path real, Device device) throws ConnectorException {
        Set<Device> related = related(device);
        List<MountTable.Mount> mounts;
        try {
            mounts = table.mounts();
        } catch (MountTable.Unreadable e) {
            throw new ConnectorException(VdsmError.GeneralException, e.getMessage());
        }
        for (MountTable.Mount mount : mounts) {
            Optional<Device> mounted = Device.parse(mount.device());
            if (mounted.isPresent() && related.contains(mounted.get()) || related.contains(sourceDevice(mount.source()))) {
                throw refused(source + " is already mounted at " + mount.mountPoint()
                        + (mounted.isPresent() && !mounted.get().equals(device) ? " (as " + mounted.get() + ")" : "")
                        + ": a device the host uses is not storage to manage");
            }
        }
        for (String swap : swapPaths()) {
            if (related.contains(sourceDevice(swap))) {
                throw refused(source + " is used as swap (" + swap + "): a device the host uses is not storage to manage");
            }
        }
        for (Device each : related) {
            List<String> holders = names(sysfs.resolve("dev/block/" + each + "/holders"));
            if (!holders.isEmpty()) {
                throw refused(source + (each.equals(device) ? "" : " (" + each + ")") + " is held by "
                        + String.join(", ", holders) + " (device-mapper, LVM or md): a device the host uses is not storage to manage");
            }
        }
    }

    /** The device, its partitions, and the disk it is a partition of, from sysfs. */
    private Set<Device> related(Device device) {
        Set<Device> related = new LinkedHashSet<>();
        related.add(device);
        Path dir = sysfs.resolve("dev/block/" + device);
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(entry -> Files.exists(entry.resolve("partition"))).forEach(partition -> numberIn(partition).ifPresent(related::add));
        } catch (IOException e) {
            // No sysfs entry: only the device itself is known.
        }
        if (Files.exists(dir.resolve("partition"))) {
            try {
                numberIn(dir.toRealPath().getParent()).ifPresent(related::add);
            } catch (IOException e) {
                // The disk is not to be found: the partition alone is checked.
            }
        }
        return related;
    }

    private static Optional<Device> numberIn(Path sysfsDevice) {
        try {
            return Device.parse(Files.readString(sysfsDevice.resolve("dev"), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The device a mount source or swap path under /dev names, if it is a block device there. */
    private static Device sourceDevice(String path) {
        if (!path.startsWith("/dev/")) {
            return null;
        }
        try {
            Path device = Path.of(path);
            int mode = (Integer) Files.getAttribute(device, "unix:mode");
            return (mode & 0170000) == 0060000 ? Device.of((Long) Files.getAttribute(device, "unix:rdev")) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The paths /proc/swaps lists (its first column, escaped as mountinfo is); none on a kernel without swap. */
    private List<String> swapPaths() throws ConnectorException {
        List<String> lines;
        try {
            lines = Files.readAllLines(swaps, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            // Unknown is not "no swap": the device might be one.
            throw new ConnectorException(VdsmError.GeneralException, swaps + " cannot be read (" + e.getClass().getSimpleName()
                    + "): whether a device is used as swap is unknown");
        }
        return lines.stream().skip(1).map(line -> line.split("[ \\t]+")[0]).filter(path -> !path.isEmpty())
                .map(path -> new String(MountTable.unescape(path.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.UTF_8))
                .toList();
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static ConnectorException refused(String message) {
        return new ConnectorException(VdsmError.MountError, message);
    }
}
