package io.tether.connector;

import io.tether.argv.MountOption;
import io.tether.argv.VfsType;
import io.tether.uri.MountSettings;
import io.tether.uri.NvmeScheme;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.Text;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a request may ask a mount for on this host: the file-system types a {@code posix://} URI
 * may name, and the mount options each type may carry. The worker runs as root, and many types and
 * options make mount's helper run a program, load a module or read a file of the request's choosing
 * ({@code vfsType=fuse.sshfs} with {@code ssh_command=...}, GlusterFS's {@code log-file=...}, cifs's
 * {@code credentials=...}): so everything not listed here is refused, and only the host's operator
 * widens the lists ({@code --allow-vfs-type}, {@code --allow-mount-option}), never a request.
 * docs/connectors.md, "What a request may ask for", lists the defaults and why the rest is refused.
 *
 * <p>Every mount is {@code nosuid,nodev} ({@link MountCommand}): a file system whose content someone
 * else controls (an image, an export) must not give its setuid programs or device nodes their
 * power here. The operator lifts that per type ({@code --allow-suid-dev}); a request's {@code suid}
 * or {@code dev} never does. And a secret option is passed only where its helper can take it off
 * the command line, which every local user can read.
 *
 * <p>The same holds for the one other program a request's parameters reach: {@code nvme connect}
 * takes only the {@code nvme+tcp://} parameters listed in {@code nvmeParameters}.
 *
 * <p>The URI parser checks that a URI is well formed; this policy decides what this host permits.
 * It is checked when a CID is managed (nothing runs and nothing is stored for a refused URI) and
 * again by {@link MountConnector#establish} before it runs anything, for CIDs stored earlier.
 *
 * @param vfsTypes the types a {@code posix://} URI may name; {@code nfs://} and {@code glusterfs://}
 *                 mount their own type and need no entry here
 * @param common   option names every type may carry: generic mount flags that take power away
 *                 ({@code ro}, {@code nosuid}, {@code nodev}, ...) or only change when data and
 *                 times are written ({@code sync}, {@code noatime}, ...)
 * @param byType   further option names per {@code mount -t} type ({@code nfs}, {@code glusterfs},
 *                 or a posix vfsType); a name is the part of an option before {@code =}
 * @param suidDevTypes the {@code mount -t} types mounted without {@code nosuid,nodev}: their
 *                 setuid programs and device nodes are honoured
 * @param nvmeParameters the parameters an {@code nvme+tcp://} URI may give {@code nvme connect}: by
 *                 default its timers and queue count; not {@code hostnqn} or {@code hostid}, which
 *                 connect as another host's identity (and so to what the target grants that host)
 *                 unless the operator allows them ({@code --allow-nvme-parameter})
 */
public record MountPolicy(Set<String> vfsTypes, Set<String> common, Map<String, Set<String>> byType,
        Set<String> suidDevTypes, Set<String> nvmeParameters) {

    /** An option name that can be shown in a message and typed on a command line as it is. */
    private static final Pattern NAME = MountOption.NAME;

    private static final Set<String> COMMON = Set.of(
            "ro", "rw", "noatime", "nodiratime", "relatime", "strictatime", "lazytime",
            "nodev", "nosuid", "noexec", "sync", "async", "dirsync", "_netdev");

    /** nfs(5): timeouts, versions, transport and caching; not bg (a mount.nfs left retrying for days). */
    private static final Set<String> NFS = Set.of(
            "soft", "softerr", "softreval", "nosoftreval", "hard", "intr", "nointr", "timeo", "retrans",
            "nfsvers", "vers", "minorversion", "proto", "tcp", "udp", "port", "mountport", "mountproto",
            "mountvers", "rsize", "wsize", "namlen", "ac", "noac", "actimeo", "acregmin", "acregmax",
            "acdirmin", "acdirmax", "lookupcache", "cto", "nocto", "lock", "nolock", "local_lock", "acl",
            "noacl", "rdirplus", "nordirplus", "sharecache", "nosharecache", "resvport", "noresvport",
            "nconnect", "max_connect", "sec", "clientaddr");

    /** mount.glusterfs: translator tuning; not log-file, volfile, dump-fuse, xlator-option, fuse-mountopts. */
    private static final Set<String> GLUSTERFS = Set.of(
            "log-level", "transport", "direct-io-mode", "use-readdirp", "attribute-timeout", "entry-timeout",
            "negative-timeout", "gid-timeout", "lru-limit", "invalidate-limit", "background-qlen",
            "congestion-threshold", "reader-thread-count", "auto-invalidation", "kernel-writeback-cache",
            "attr-times-granularity", "fetch-attempts", "fopen-keep-cache", "acl", "selinux", "worm",
            "enable-ino32", "resolve-gids", "global-threading", "localtime-logging");

    /**
     * mount.cifs(8): identity, protocol and caching; not credentials= (a file read as root), iocharset,
     * sep, nor password2= (mount.cifs takes it on its command line only).
     */
    private static final Set<String> CIFS = Set.of(
            "username", "password", "domain", "workgroup", "guest", "domainauto", "uid", "gid",
            "forceuid", "forcegid", "noforceuid", "noforcegid", "file_mode", "dir_mode", "vers", "sec", "seal",
            "port", "netbiosname", "cache", "actimeo", "acregmax", "acdirmax", "closetimeo", "rsize", "wsize",
            "bsize", "serverino", "noserverino", "hard", "soft", "nobrl", "nocase", "ignorecase", "mfsymlinks",
            "cifsacl", "noacl", "nounix", "sfu", "mapposix", "nomapposix", "mapchars", "nomapchars", "nodfs",
            "echo_interval", "nosharesock", "handletimeout", "max_credits", "resilienthandles",
            "persistenthandles", "snapshot", "multichannel", "max_channels");

    /** mount.ceph(8): the cluster, the client and caching; not secretfile= or conf= (files read as root). */
    private static final Set<String> CEPH = Set.of(
            "name", "secret", "fs", "mds_namespace", "fsid", "mon_addr", "ms_mode", "mount_timeout", "rsize",
            "wsize", "rasize", "caps_max", "readdir_max_entries", "readdir_max_bytes", "dcache", "nodcache",
            "noasyncreaddir", "nocrc", "recover_session", "acl", "noacl", "rbytes", "norbytes", "wsync",
            "nowsync", "crush_location", "read_from_replica");

    /** ext4(5): journalling and allocation; not journal_dev/journal_path (another device) or loop. */
    private static final Set<String> EXT4 = Set.of(
            "acl", "noacl", "user_xattr", "nouser_xattr", "data", "barrier", "nobarrier", "discard",
            "nodiscard", "commit", "journal_checksum", "nojournal_checksum", "journal_async_commit",
            "delalloc", "nodelalloc", "dioread_nolock", "dioread_lock", "auto_da_alloc", "noauto_da_alloc",
            "max_batch_time", "min_batch_time", "stripe", "inode_readahead_blks", "init_itable",
            "noinit_itable", "block_validity", "noblock_validity", "grpid", "nogrpid", "quota", "noquota",
            "usrquota", "grpquota", "prjquota");

    /** xfs(5): allocation, log buffers and quotas; not logdev/rtdev (other devices). */
    private static final Set<String> XFS = Set.of(
            "allocsize", "attr2", "noattr2", "discard", "nodiscard", "grpid", "nogrpid", "inode32", "inode64",
            "largeio", "nolargeio", "logbufs", "logbsize", "noalign", "nouuid", "noquota", "quota", "usrquota",
            "uquota", "uqnoenforce", "qnoenforce", "grpquota", "gquota", "gqnoenforce", "prjquota", "pquota",
            "pqnoenforce", "swalloc", "sunit", "swidth", "wsync", "filestreams", "ikeep", "noikeep");

    /** btrfs(5): subvolumes, compression and caching; not device= (scan another device) or degraded. */
    private static final Set<String> BTRFS = Set.of(
            "subvol", "subvolid", "compress", "compress-force", "ssd", "nossd", "ssd_spread", "nossd_spread",
            "space_cache", "nospace_cache", "autodefrag", "noautodefrag", "commit", "discard", "nodiscard",
            "datacow", "nodatacow", "datasum", "nodatasum", "barrier", "nobarrier", "flushoncommit",
            "noflushoncommit", "max_inline", "thread_pool", "acl", "noacl");

    /** gfs2(5): not lockproto, locktable or hostdata, which turn cluster locking off. */
    private static final Set<String> GFS2 = Set.of(
            "acl", "noacl", "quota", "data", "discard", "nodiscard", "barrier", "nobarrier", "commit",
            "localflocks", "statfs_quantum", "statfs_percent", "quota_quantum", "rgrplvb", "norgrplvb",
            "loccookie", "noloccookie");

    /** ocfs2: not heartbeat= or local, which turn cluster heartbeating off. */
    private static final Set<String> OCFS2 = Set.of(
            "acl", "noacl", "user_xattr", "nouser_xattr", "atime_quantum", "barrier", "commit", "coherency",
            "data", "datavolume", "intr", "nointr", "localalloc", "localflocks", "inode64",
            "resv_level", "dir_resv_level");

    /** Options whose value mount.cifs splits at '%' into a user and a password. */
    private static final Set<String> USER_WITH_PASSWORD = Set.of("username", "user");

    private static final Set<String> TMPFS = Set.of("size", "mode", "nr_inodes", "nr_blocks", "uid", "gid", "huge");

    /** The {@code nvme+tcp://} parameters a request may give by default: timers and queues only. */
    private static final Set<String> NVME = Set.of(NvmeScheme.CTRL_LOSS_TMO, NvmeScheme.RECONNECT_DELAY,
            NvmeScheme.NR_IO_QUEUES);

    public MountPolicy {
        suidDevTypes = Set.copyOf(suidDevTypes);
        nvmeParameters = Set.copyOf(nvmeParameters);
        vfsTypes = Set.copyOf(vfsTypes);
        common = Set.copyOf(common);
        Map<String, Set<String>> copy = new HashMap<>();
        byType.forEach((type, names) -> copy.put(type, Set.copyOf(names)));
        byType = Map.copyOf(copy);
    }

    /**
     * The kernel file systems a virtualization host mounts, and the options VDSM-era engines pass.
     * No FUSE type ({@code fuse}, {@code fuse.*}: the type names the program mount.fuse runs), no
     * {@code glusterfs} as a posix type (a local volfile as its source defines the client), no
     * {@code none} or {@code auto}, and no bind, loop or helper options: those are the operator's.
     */
    public static MountPolicy defaults() {
        Map<String, Set<String>> byType = Map.ofEntries(
                Map.entry("nfs", NFS), Map.entry("nfs4", NFS), Map.entry("glusterfs", GLUSTERFS),
                Map.entry("cifs", CIFS), Map.entry("smb3", CIFS), Map.entry("ceph", CEPH), Map.entry("ext4", EXT4),
                Map.entry("xfs", XFS), Map.entry("btrfs", BTRFS), Map.entry("gfs2", GFS2), Map.entry("ocfs2", OCFS2),
                Map.entry("tmpfs", TMPFS));
        Set<String> vfsTypes = new HashSet<>(byType.keySet());
        vfsTypes.remove("glusterfs"); // glusterfs:// only, as said above
        return new MountPolicy(vfsTypes, COMMON, byType, Set.of(), NVME);
    }

    /** A copy that also lets a {@code posix://} URI name {@code type} ({@code --allow-vfs-type}). */
    public MountPolicy allowingVfsType(String type) {
        checkType(type);
        Set<String> types = new HashSet<>(vfsTypes);
        types.add(type);
        return new MountPolicy(types, common, byType, suidDevTypes, nvmeParameters);
    }

    /**
     * A copy that mounts {@code fsType} without {@code nosuid,nodev}, so that its setuid programs
     * and device nodes are honoured ({@code --allow-suid-dev fsType}).
     */
    public MountPolicy allowingSuidDev(String fsType) {
        checkType(fsType);
        Set<String> types = new HashSet<>(suidDevTypes);
        types.add(fsType);
        return new MountPolicy(vfsTypes, common, byType, types, nvmeParameters);
    }

    /**
     * A copy that also lets an {@code nvme+tcp://} URI give {@code name} to {@code nvme connect}
     * ({@code --allow-nvme-parameter name}); {@code name} is one of the parameters the scheme takes.
     */
    public MountPolicy allowingNvmeParameter(String name) {
        if (!StorageType.NVME_TCP.definition().facts().parameters().contains(name)) {
            throw new IllegalArgumentException("'" + Text.shorten(name, 64) + "' is not an nvme+tcp parameter; they are "
                    + String.join(", ", new java.util.TreeSet<>(StorageType.NVME_TCP.definition().facts().parameters())));
        }
        Set<String> names = new HashSet<>(nvmeParameters);
        names.add(name);
        return new MountPolicy(vfsTypes, common, byType, suidDevTypes, names);
    }

    /** Whether mounts of {@code fsType} get {@code nosuid,nodev}. */
    public boolean enforcesNosuidNodev(String fsType) {
        return !suidDevTypes.contains(fsType);
    }

    /**
     * A copy that also lets a URI mounted as {@code fsType} carry the option {@code name}, with any
     * value ({@code --allow-mount-option fsType:name}).
     */
    public MountPolicy allowingOption(String fsType, String name) {
        checkType(fsType);
        if (name.contains("=")) {
            throw new IllegalArgumentException("mount option '" + name + "': give the option's name only,"
                    + " without '=VALUE'; any value is then allowed");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("mount option '" + name
                    + "' is not an option name (1 to 64 letters, digits, '_', '.', '-')");
        }
        Map<String, Set<String>> options = new HashMap<>(byType);
        Set<String> names = new HashSet<>(options.getOrDefault(fsType, Set.of()));
        names.add(name);
        options.put(fsType, names);
        return new MountPolicy(vfsTypes, common, options, suidDevTypes, nvmeParameters);
    }

    /** {@code fsType} as a refusal quotes it: a type the host does not know can be long. */
    private static String shown(String fsType) {
        return Text.shorten(fsType, 64);
    }

    /** Whether an option called {@code name} may be given when mounting {@code fsType}. */
    public boolean allowsOption(String fsType, String name) {
        return common.contains(name) || byType.getOrDefault(fsType, Set.of()).contains(name);
    }

    /**
     * Returns when this host lets {@code uri} be mounted as asked; otherwise throws, saying what is
     * refused and the worker option that would allow it. A URI that is not mounted (iSCSI, a local
     * directory) passes. The message names option names only, never a value, so never a secret; not
     * even the name of an option after a secret one, as a ',' in a password would make a piece of it
     * look like an option of its own.
     */
    public void check(StorageUri uri) throws NotAllowed {
        if (uri.type() == StorageType.NVME_TCP) {
            for (String name : new java.util.TreeSet<>(uri.params().keySet())) {
                if (!nvmeParameters.contains(name)) {
                    throw new NotAllowed("nvme+tcp parameter '" + name + "' is not allowed on this host; the host's"
                            + " operator can allow it with --allow-nvme-parameter " + name);
                }
            }
            return;
        }
        Optional<MountSettings> mount = uri.type().definition().mount(uri);
        if (mount.isPresent()) {
            check(uri, mount.get());
        }
    }

    /**
     * {@link #check(StorageUri)} for a mounted URI whose settings ({@link MountPaths#settings}) the
     * caller holds already: a connector, which mounts with them.
     */
    public void check(StorageUri uri, MountSettings mount) throws NotAllowed {
        String fsType = mount.vfsType();
        if (mount.typeRequested() && !vfsTypes.contains(fsType)) {
            throw new NotAllowed("file system type '" + shown(fsType) + "' is not allowed on this host; the host's"
                    + " operator can allow it with --allow-vfs-type " + shown(fsType));
        }
        boolean afterSecret = false;
        for (int i = 0; i < uri.options().size(); i++) {
            String option = uri.options().get(i);
            int eq = option.indexOf('=');
            String name = eq < 0 ? option : option.substring(0, eq);
            String which = "mount option " + (i + 1) + " of " + uri.options().size();
            if (!NAME.matcher(name).matches()) {
                throw new NotAllowed(which + " does not start with an option name (1 to 64 letters, digits, '_', '.', '-')");
            }
            String shown = afterSecret ? which + " (not named: it may be a piece of the secret before it)"
                    : "mount option '" + name + "'";
            if (!allowsOption(fsType, name)) {
                throw new NotAllowed(shown + " is not allowed for " + shown(fsType) + "; the host's operator can allow it with"
                        + " --allow-mount-option " + shown(fsType) + ":" + (afterSecret ? "NAME" : name));
            }
            if (MountCommand.UNDO_NOSUID_NODEV.contains(name) && enforcesNosuidNodev(fsType)) {
                throw new NotAllowed(shown + " would honour setuid programs or device nodes, and this host mounts "
                        + shown(fsType) + " nosuid,nodev; the host's operator can lift that with --allow-suid-dev " + shown(fsType));
            }
            String value = eq < 0 ? "" : option.substring(eq + 1);
            if (eq >= 0 && MountOption.isSecretName(name) && !MountCommand.takesPrivately(fsType, name)) {
                throw new NotAllowed(shown + " holds a secret, and mount." + shown(fsType) + " would get it on its command line,"
                        + " which every local user can read; Tether passes a secret only as cifs and smb3 password="
                        + " and ceph secret=, in a file of its own");
            }
            if (USER_WITH_PASSWORD.contains(name) && value.indexOf('%') >= 0) {
                // mount.cifs reads user%password in username=: a password in a field nobody treats as one.
                throw new NotAllowed(shown + " holds a '%', which mount.cifs reads as user%password;"
                        + " give the password as password=, which is kept secret");
            }
            afterSecret |= eq >= 0 && MountOption.isSecretName(name);
        }
        if (fsType.equals("ceph") && uri.options().stream().map(o -> o.split("=", 2)[0])
                .noneMatch(name -> name.equals("secret") || name.equals("secretfile"))) {
            // Without a key of its own, mount.ceph looks one up in the host's keyrings for the client
            // named (name=, else guest): the request would use a credential of the host's.
            throw new NotAllowed("a ceph mount needs the client's key as secret= (Tether keeps it in a file of its own):"
                    + " without one, mount.ceph would use a key from the host's keyrings for whichever client the"
                    + " URI names");
        }
    }

    /** The {@code mount -t} type of {@code uri}: nfs, glusterfs, the posix vfsType, or null when it is not mounted. */
    public static String fsType(StorageUri uri) {
        return uri.type().definition().mount(uri).map(MountSettings::vfsType).orElse(null);
    }

    /** An operator's type must be one a {@code posix://} URI can name: one type, never a list. */
    private static void checkType(String type) {
        if (!VfsType.GRAMMAR.matcher(type).matches()) {
            throw new IllegalArgumentException("'" + type + "' is not a file system type as mount -t takes one"
                    + " (lower-case letters, digits, '.', '_', '-')");
        }
    }

    /** A URI asks for something this host does not allow; the message says what and how to allow it. */
    public static final class NotAllowed extends Exception {
        public NotAllowed(String message) {
            super(message, null, false, false);
        }
    }
}
