package io.tether.connector;

import io.tether.argv.LocalPath;
import io.tether.argv.RelativePath;
import io.tether.files.UntrustedPathException;
import io.tether.uri.MountSettings;
import io.tether.uri.Scheme;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParts;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NFS, GlusterFS and POSIX connections: a mount under the mount root, named the VDSM way
 * ({@link MountPaths}). Connected means: mountinfo has our mount point with the expected source
 * and type, and a {@code stat} of it (in a child process, killed on timeout, so a hung mount cannot
 * hang the worker) answers. An existing matching mount is adopted, never mounted twice: at our
 * mount point, or else at the mount point of the same spec with its host written another way
 * ({@link OwnMounts}); a disconnect unmounts it wherever it is, and only it. Nothing is mounted on
 * top of anything, nor where a link leads ({@link MountPaths#createMountPoint}); a local source is a
 * block device the host does not use ({@link LocalSources}); a mount table that cannot be read is a
 * failure, never "nothing is mounted". A URI that the host's {@link MountPolicy} does not allow is
 * refused before anything runs: requests are checked when they arrive, this catches CIDs stored
 * before the policy (or a narrower one) applied.
 */
public final class MountConnector implements Connector {
    private static final Logger log = LoggerFactory.getLogger(MountConnector.class);
    /** The connectionInfo field with the NFS version the kernel negotiated (docs/protocol.md). */
    public static final String NEGOTIATED_VERSION = "negotiatedVersion";
    /** Mounts of ours stacked at one mount point that a disconnect takes off, at most. */
    private static final int MAX_STACKED = 32;

    private final Path root;
    private final CommandRunner runner;
    private final OwnMounts mounts;
    private final Duration timeout;
    private final MountPolicy policy;
    private final MountHelpers helpers = MountHelpers.ofHost();
    private final LocalSources sources;
    private final SecretFiles secrets = SecretFiles.ofHost();
    private final HelperScope scope;

    /**
     * @param timeout for each host command (mount, umount, stat) and reachability check
     * @param policy  the file-system types and mount options this host lets a URI ask for
     */
    public MountConnector(StorageType type, Path root, CommandRunner runner, MountTable table, Duration timeout,
            MountPolicy policy) {
        this(type, root, runner, table, timeout, policy, HelperScope.ofHost());
    }

    /** @param scope where mount runs, so that the helper it leaves running outlives the worker */
    public MountConnector(StorageType type, Path root, CommandRunner runner, MountTable table, Duration timeout,
            MountPolicy policy, HelperScope scope) {
        if (type.definition().facts().makes() != Scheme.Makes.MOUNT) {
            throw new IllegalArgumentException(type + " is not mounted");
        }
        this.root = MountPaths.realRoot(root);
        this.runner = runner;
        this.mounts = new OwnMounts(table);
        this.sources = LocalSources.ofHost(table);
        this.timeout = timeout;
        this.policy = policy;
        this.scope = scope;
    }

    /**
     * Our mount is there and answers {@code stat} (and the URI's {@code readCheck} file reads with
     * direct I/O); what it shows: read-only when it should not be, the NFS version mount chose.
     */
    @Override
    public Probe probe(StorageUri uri) throws ConnectorException {
        // A CID stored before the host's policy refused its URI (a narrowed policy, an upgrade)
        // fails at its first look: a mount of it stays where it is, the operator's to remove.
        MountSettings settings = MountPaths.settings(uri);
        refuseWhatThePolicyRefuses(uri, settings);
        MountTable.Mount mount = mounts.probed(uri, settings, MountPaths.mountPoint(root, settings));
        stat(mount.mountPoint());
        readCheck(uri, mount.mountPoint());
        return shown(uri, mount);
    }

    /** {@link #adoptOrMount}, then the mount's {@code readCheck} and what it shows, as a probe takes them. */
    @Override
    public Probe establish(StorageUri uri) throws ConnectorException {
        MountSettings settings = MountPaths.settings(uri);
        Path mountPoint = MountPaths.mountPoint(root, settings);
        adoptOrMount(uri, settings, mountPoint);
        MountTable.Mount mount = mounts.mounted(uri, settings, mountPoint).orElseThrow(() -> new ConnectorException(
                VdsmError.StorageDomainFSNotMounted, settings.source() + " is not mounted at " + mountPoint
                        + " after mounting it"));
        readCheck(uri, mount.mountPoint());
        return shown(uri, mount);
    }

    /**
     * Adopts the URI's mount where it answers; else detaches it (dead, or its handles stale) and,
     * with nothing left on top at the mount point, mounts it afresh.
     */
    private void adoptOrMount(StorageUri uri, MountSettings settings, Path mountPoint) throws ConnectorException {
        // Not even an existing mount is adopted: keeping it would keep what the host forbids.
        refuseWhatThePolicyRefuses(uri, settings);
        Optional<MountTable.Mount> existing = mounts.mounted(uri, settings, mountPoint);
        if (existing.isPresent()) {
            Path found = existing.get().mountPoint();
            if (!OwnMounts.belongsTo(existing.get(), uri, settings)) {
                throw new ConnectorException(VdsmError.MountError, mountPoint + " is already used by "
                        + existing.get().source() + " (" + existing.get().fsType() + ")");
            }
            try {
                stat(found);
                failIfStale(uri, found);
                log.info("key={} adopted the existing mount at {}", uri.key(), found);
                return;
            } catch (ConnectorException dead) {
                // The mount is ours but its client gave up (e.g. ENOTCONN after the server went
                // away) or its handles are stale: reconnecting means detaching it and mounting afresh.
                log.warn("key={} existing mount at {} does not answer ({}); remounting", uri.key(), found,
                        dead.getMessage());
                detach(uri, found);
                if (!found.equals(mountPoint)) {
                    removeQuietly(found);
                }
            }
        }
        sources.check(uri, settings);
        if (settings.serverCheck().isPresent()) {
            Reachability.check(settings.serverCheck().get(), timeout, VdsmError.StorageServerConnectionError);
        }
        try {
            MountPaths.createMountPoint(root, mountPoint);
        } catch (UntrustedPathException e) {
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError, e.getMessage());
        } catch (IOException e) {
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError,
                    "cannot create mount point " + mountPoint + ": " + e.getClass().getSimpleName());
        }
        // Never on top of anything: a mount left under a detached one, or one made meanwhile.
        Optional<MountTable.Mount> below = mounts.at(mountPoint);
        if (below.isPresent()) {
            throw new ConnectorException(VdsmError.MountError, mountPoint + " still has " + below.get().source() + " ("
                    + below.get().fsType() + ") mounted: not mounting on top of it");
        }
        MountCommand mount;
        try {
            mount = MountCommand.of(uri, settings, mountPoint, policy, secrets);
        } catch (ConnectorException e) {
            removeQuietly(mountPoint);
            throw e;
        }
        try (mount) {
            // The failure names the mount command as asked for; the launcher is in the log.
            CommandRunner.Result result = run(scope.wrap(mount.command(), mountPoint), VdsmError.MountError);
            if (result.exitCode() != 0) {
                removeQuietly(mountPoint);
                throw new ConnectorException(VdsmError.MountError, failureMessage(mount.command(), settings, result, helpers));
            }
        }
        stat(mountPoint);
        log.info("key={} mounted {} at {}", uri.key(), settings.source(), mountPoint);
    }

    /**
     * What the mount table shows of a working mount: read-only although the URI does not ask for
     * {@code ro} (the kernel remounts a file system read-only after errors, and says so in its
     * options), and for NFS the version the kernel negotiated ({@code vers=} in its options).
     */
    static Probe shown(StorageUri uri, MountTable.Mount mount) {
        boolean readOnly = mount.readOnly() && !uri.options().contains("ro");
        Map<String, Object> info = new LinkedHashMap<>();
        if (uri.type() == StorageType.NFS) {
            mount.superOption("vers").ifPresent(version -> info.put(NEGOTIATED_VERSION, version));
        }
        return new Probe(readOnly, null, info);
    }

    /**
     * Reads the first 4 KiB of the URI's {@code readCheck} file with direct I/O, as VDSM reads a
     * domain's metadata, in a child process killed on timeout: a {@code stat} answered from the
     * client's cache cannot hide a server that is gone.
     */
    private void readCheck(StorageUri uri, Path mountPoint) throws ConnectorException {
        String relative = uri.params().get(UriParts.READ_CHECK);
        if (relative == null) {
            return;
        }
        LocalPath file;
        try {
            file = LocalPath.of(mountPoint).resolve(new RelativePath(relative));
        } catch (IllegalArgumentException e) {
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError, "refused to read readCheck "
                    + relative + " on " + mountPoint + ": its path " + e.getMessage());
        }
        CommandRunner.Result result = run(HostCommands.readFirstBlock(file), VdsmError.StorageServerConnectionError);
        if (result.exitCode() != 0) {
            String message = result.message();
            if (message.contains("Stale file handle")) {
                throw stale(mountPoint, message);
            }
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError, "readCheck of " + relative
                    + " on " + mountPoint + " failed: " + message);
        }
    }

    /**
     * The probe's read, where the URI names a file, for a mount about to be adopted: its root can
     * answer {@code stat} from the client's cache while the file's handle is stale (the export was
     * replaced under it), and only a new mount heals that. Any other failure of the read is left to
     * establish's own read after adopting: a slow or refused read is no reason to detach a mount
     * that VMs may be using.
     */
    private void failIfStale(StorageUri uri, Path mountPoint) throws ConnectorException {
        try {
            readCheck(uri, mountPoint);
        } catch (ConnectorException e) {
            if (e.error() == VdsmError.FileStorageDomainStaleNFSHandle) {
                throw e;
            }
        }
    }

    /** ESTALE: the reconciler establishes at once, which detaches the mount and mounts it afresh. */
    private static ConnectorException stale(Path mountPoint, String message) {
        return new ConnectorException(VdsmError.FileStorageDomainStaleNFSHandle, "mount " + mountPoint
                + " has a stale file handle (" + message + "): unmounting it lazily and mounting it again at once");
    }

    /**
     * Unmounts {@code uri}'s mounts: at its mount point and wherever another spelling of its host
     * holds its mount, each as often as it is there (mounts stacked by an older version). Only a
     * mount that is this connection's ({@link OwnMounts#belongsTo}) is unmounted: anything else
     * found at its mount point is left, and reported as the disconnect's failure, so the connection
     * stays listed with that error until it is gone.
     */
    @Override
    public void disconnect(StorageUri uri) throws ConnectorException {
        MountSettings settings = MountPaths.settings(uri);
        Path mountPoint = MountPaths.mountPoint(root, settings);
        List<Path> points = new ArrayList<>();
        points.add(mountPoint);
        mounts.otherSpellings(uri, settings, mountPoint).forEach(m -> points.add(m.mountPoint()));
        Optional<MountTable.Mount> foreign = Optional.empty();
        for (Path point : points) {
            Optional<MountTable.Mount> top = mounts.at(point);
            for (int unmounted = 0; top.isPresent() && OwnMounts.belongsTo(top.get(), uri, settings) && unmounted < MAX_STACKED;
                    unmounted++) {
                unmount(uri, point);
                top = mounts.at(point);
            }
            if (top.isPresent()) {
                foreign = top;
                continue;
            }
            removeQuietly(point);
        }
        if (foreign.isPresent()) {
            MountTable.Mount other = foreign.get();
            throw new ConnectorException(VdsmError.StorageServerDisconnectionError, other.mountPoint() + " holds "
                    + other.source() + " (" + other.fsType() + "), which is not this connection's mount: left mounted");
        }
    }

    /** umount, and if that fails or hangs, umount -l. */
    private void unmount(StorageUri uri, Path point) throws ConnectorException {
        Optional<CommandRunner.Result> result = runner.runQuietly(
                HostCommands.umount(local(point, VdsmError.StorageServerDisconnectionError)), timeout);
        if (result.isEmpty() || result.get().exitCode() != 0) {
            // Busy or hung: detach it now; the kernel finishes when the last user lets go.
            log.warn("key={} umount of {} failed ({}); detaching it lazily", uri.key(), point,
                    result.map(CommandRunner.Result::message).orElse("timed out"));
            detach(uri, point);
        }
    }

    /** umount -l: takes the mount out of the tree at once, even when it is busy or hung. */
    private void detach(StorageUri uri, Path mountPoint) throws ConnectorException {
        CommandRunner.Result lazy = run(HostCommands.umountLazy(local(mountPoint, VdsmError.StorageServerDisconnectionError)),
                VdsmError.StorageServerDisconnectionError);
        if (lazy.exitCode() != 0 && mounts.at(mountPoint).isPresent()) {
            throw new ConnectorException(VdsmError.StorageServerDisconnectionError,
                    "umount -l " + mountPoint + " failed (exit " + lazy.exitCode() + "): " + lazy.message());
        }
        log.info("key={} detached {}", uri.key(), mountPoint);
    }

    private void refuseWhatThePolicyRefuses(StorageUri uri, MountSettings settings) throws ConnectorException {
        try {
            policy.check(uri, settings);
        } catch (MountPolicy.NotAllowed e) {
            throw new ConnectorException(VdsmError.MountError, e.getMessage());
        }
    }

    /** {@code path} as a program's argument; one that breaks a local path's grammar fails as {@code error}. */
    private static LocalPath local(Path path, VdsmError error) throws ConnectorException {
        try {
            return LocalPath.of(path);
        } catch (IllegalArgumentException e) {
            throw new ConnectorException(error, "refused to pass " + path + " to a program: it " + e.getMessage());
        }
    }

    private void stat(Path mountPoint) throws ConnectorException {
        CommandRunner.Result result = run(HostCommands.stat(local(mountPoint, VdsmError.StorageServerConnectionError)),
                VdsmError.StorageServerConnectionError);
        if (result.exitCode() != 0) {
            String message = result.message();
            if (message.contains("Stale file handle")) {
                throw stale(mountPoint, message);
            }
            VdsmError error = message.contains("Permission denied") ? VdsmError.StorageServerAccessPermissionError
                    : VdsmError.StorageServerConnectionError;
            throw new ConnectorException(error, "mount " + mountPoint + " does not answer: " + message);
        }
    }

    private CommandRunner.Result run(Command command, VdsmError onFailure) throws ConnectorException {
        return runner.runOrThrow(command, timeout, onFailure, onFailure);
    }

    /**
     * What a failed {@code mount} is reported as: "mount.TYPE not found: install PACKAGE" only when
     * the helper is missing, else the command (secrets masked), its exit code and mount's own words.
     * Missing means mount blamed the type or a helper and none is installed: "unknown filesystem
     * type" while the kernel lacks the type too, or libmount's "you might need a /sbin/mount.<type>
     * helper program" (a network type the kernel has, such as nfs without nfs-common). Its message
     * for any other EINVAL, a bad option included, ends in "missing codepage or helper program, or
     * other error", which says nothing about the helper.
     */
    static String failureMessage(Command mount, MountSettings settings, CommandRunner.Result result, MountHelpers helpers) {
        String words = result.message();
        String type = settings.vfsType();
        boolean helperMissing = !helpers.helperFor(type)
                && (words.contains("you might need a /sbin/mount.")
                        || words.contains("unknown filesystem type") && !helpers.kernelHas(type));
        if (helperMissing) {
            return "mount." + type + " not found: install " + settings.installHint() + " (" + words + ")";
        }
        return mount + " failed (exit " + result.exitCode() + "): " + words;
    }

    private static void removeQuietly(Path mountPoint) {
        try {
            Files.deleteIfExists(mountPoint);
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // Something else lives there (or it is gone): leave it.
        } catch (IOException e) {
            log.debug("could not remove {}: {}", mountPoint, e.getMessage());
        }
    }
}
