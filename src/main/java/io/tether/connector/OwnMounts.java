package io.tether.connector;

import io.tether.uri.MountSettings;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a URI's own mounts in the host's mount table: at its mount point, or at the mount point
 * of the same spec with its host written another way, where VDSM mounted it for a CID that spells
 * the host so (docs/connectors.md, "One connection, several spellings"). A mount is the URI's own
 * only when its type and source are the URI's ({@link #belongsTo}). A mount table that cannot be
 * read fails the look, never reads as "nothing is mounted", so that nothing is mounted on top.
 */
final class OwnMounts {
    private final MountTable table;

    OwnMounts(MountTable table) {
        this.table = table;
    }

    /** What is mounted on top at {@code mountPoint}, whoever's it is. */
    Optional<MountTable.Mount> at(Path mountPoint) throws ConnectorException {
        try {
            return table.at(mountPoint);
        } catch (MountTable.Unreadable e) {
            throw unknown(e);
        }
    }

    /**
     * The probe's question: {@code uri}'s own mount, at its {@code mountPoint} or at another
     * spelling's; found whole in one look at the table.
     *
     * @param settings how {@code uri} is mounted ({@link MountPaths#settings})
     * @throws ConnectorException StorageDomainFSNotMounted when nothing is mounted where the URI is,
     *                            or what is on top at its mount point is not its
     */
    MountTable.Mount probed(StorageUri uri, MountSettings settings, Path mountPoint) throws ConnectorException {
        MountTable.Mount mount = mounted(uri, settings, mountPoint).orElseThrow(() -> new ConnectorException(
                VdsmError.StorageDomainFSNotMounted, settings.source() + " is not mounted at " + mountPoint));
        if (!belongsTo(mount, uri, settings)) {
            throw new ConnectorException(VdsmError.StorageDomainFSNotMounted, mountPoint + " holds " + mount.source()
                    + " (" + mount.fsType() + "), not " + settings.source());
        }
        return mount;
    }

    /**
     * What is mounted where {@code uri} is: the topmost mount at its own {@code mountPoint}, the
     * URI's or not, else its mount at another spelling's mount point; empty when there is neither.
     * One read of the table answers both.
     */
    Optional<MountTable.Mount> mounted(StorageUri uri, MountSettings settings, Path mountPoint) throws ConnectorException {
        List<MountTable.Mount> all = all();
        Optional<MountTable.Mount> own = MountTable.topmost(all, mountPoint);
        return own.isPresent() ? own : otherSpellings(all, uri, settings, mountPoint).stream().findFirst();
    }

    /**
     * The mounts of {@code uri} at the mount points that name its spec with the host written
     * another way ({@link MountPaths#inOneSpelling}), one per mount point.
     */
    List<MountTable.Mount> otherSpellings(StorageUri uri, MountSettings settings, Path mountPoint) throws ConnectorException {
        return otherSpellings(all(), uri, settings, mountPoint);
    }

    private static List<MountTable.Mount> otherSpellings(List<MountTable.Mount> mounts, StorageUri uri,
            MountSettings settings, Path mountPoint) {
        Map<Path, MountTable.Mount> found = new LinkedHashMap<>();
        // Spelled out only once a mount sits beside the mount point: most probes find none.
        Path oneSpelling = null;
        for (MountTable.Mount mount : mounts) {
            Path point = mount.mountPoint();
            if (point.equals(mountPoint) || point.getParent() == null || !point.getParent().equals(mountPoint.getParent())) {
                continue;
            }
            if (oneSpelling == null) {
                oneSpelling = MountPaths.inOneSpelling(mountPoint);
            }
            if (MountPaths.inOneSpelling(point).equals(oneSpelling)) {
                found.put(point, mount);
            }
        }
        found.values().removeIf(mount -> !belongsTo(mount, uri, settings));
        return List.copyOf(found.values());
    }

    private List<MountTable.Mount> all() throws ConnectorException {
        try {
            return table.mounts();
        } catch (MountTable.Unreadable e) {
            throw unknown(e);
        }
    }

    /**
     * Whether a mount is {@code uri}'s (mounted with {@code settings}): same type and source,
     * allowing for what the kernel rewrites. A line of mountinfo that is not valid text never is.
     */
    static boolean belongsTo(MountTable.Mount mount, StorageUri uri, MountSettings settings) {
        if (!mount.exact()) {
            return false;
        }
        if ((mount.fsType().equals("fuse") || mount.fsType().startsWith("fuse.")) && !ownedByRoot(mount)) {
            // A user may mount a FUSE file system of their own (fusermount3 is setuid) on a
            // directory they can write, such as an export's root, naming any source: it is theirs,
            // never a connection of ours, however its source reads.
            return false;
        }
        boolean typeOk = mount.fsType().equals(settings.vfsType())
                || uri.type().definition().facts().kernelTypes().contains(mount.fsType());
        if (!typeOk && !uri.options().contains("bind")) {
            return false;
        }
        String spec = settings.source();
        if (MountPaths.sameSpec(uri.type().definition().specOfMount(mount.fsType(), mount.source()), spec)) {
            return true;
        }
        if (uri.options().contains("bind") || uri.options().contains("rbind")) {
            // A bind mount shows the device of the file system it comes from, and the directory as its root.
            return spec.endsWith(mount.root()) && !mount.root().equals("/");
        }
        if (uri.options().contains("loop") && mount.source().startsWith("/dev/loop")) {
            // A loop mount shows the loop device; its backing file is the source we asked for.
            Path backing = Path.of("/sys/block", Path.of(mount.source()).getFileName().toString(), "loop", "backing_file");
            try {
                return MountPaths.sameSpec(Files.readString(backing).strip(), spec);
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /** A FUSE mount's daemon runs as the user the kernel shows in {@code user_id}: root's is 0. */
    private static boolean ownedByRoot(MountTable.Mount mount) {
        return mount.superOption("user_id").map("0"::equals).orElse(false);
    }

    private static ConnectorException unknown(MountTable.Unreadable e) {
        return new ConnectorException(VdsmError.GeneralException, e.getMessage());
    }
}
