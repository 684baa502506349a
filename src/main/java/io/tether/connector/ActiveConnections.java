package io.tether.connector;

import io.tether.uri.ConnectionKey;
import io.tether.uri.IscsiScheme;
import io.tether.uri.NvmeScheme;
import io.tether.uri.Scheme;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage connections active on this host right now, whoever made them: mounts under the
 * worker's mount root, iSCSI sessions and NVMe/TCP controllers. The list call shows those that no CID holds, under the
 * key each would have if it were managed (docs/protocol.md, getStorageServerList). A mount at the
 * mount point of a connection the worker holds is that connection's, whatever its source says: a
 * bind or loop mount shows the device it comes from, whose key is not the connection's.
 */
public final class ActiveConnections {
    private static final Logger log = LoggerFactory.getLogger(ActiveConnections.class);

    /** One active host connection: the key it would have if managed, and what is known of it. */
    public record Active(ConnectionKey key, Map<String, Object> info) {
    }

    private final Path mountRoot;
    private final MountTable mounts;
    private final IscsiSessions sessions;
    private final NvmeControllers controllers;

    public ActiveConnections(Path mountRoot, MountTable mounts, IscsiSessions sessions, NvmeControllers controllers) {
        this.mountRoot = MountPaths.realRoot(mountRoot);
        this.mounts = mounts;
        this.sessions = sessions;
        this.controllers = controllers;
    }

    /** This host's: mountinfo of this process, and sysfs's iSCSI sessions and NVMe controllers. */
    public static ActiveConnections ofHost(Path mountRoot) {
        return new ActiveConnections(mountRoot, MountTable.ofHost(), IscsiSessions.ofHost(), NvmeControllers.ofHost());
    }

    /**
     * The connections there are now, mounts first, in mountinfo's order, but for the mounts at the
     * mount points of {@code held} (in any spelling of their hosts, as the mount connector adopts).
     */
    public List<Active> scan(Collection<StorageUri> held) {
        List<Active> found = new ArrayList<>();
        Set<Path> owned = null;
        List<MountTable.Mount> all;
        try {
            all = mounts.mounts();
        } catch (MountTable.Unreadable e) {
            // The list still shows what else it knows; the connectors fail and retry meanwhile.
            log.warn("unmanaged mounts left out of the list: {}", e.getMessage());
            all = List.of();
        }
        for (MountTable.Mount mount : all) {
            if (!mount.mountPoint().startsWith(mountRoot) || mount.mountPoint().equals(mountRoot)) {
                continue;
            }
            if (owned == null) {
                owned = mountPoints(held);
            }
            if (owned.contains(MountPaths.inOneSpelling(mount.mountPoint()))) {
                continue;
            }
            StorageType type = StorageType.ofMount(mount.fsType());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("type", type.scheme());
            info.put("source", mount.source());
            info.put("vfsType", mount.fsType());
            info.put("mountPoint", mount.mountPoint().toString());
            // A source no URI can name is still listed, by where it is mounted.
            ConnectionKey key = type.definition().keyOfMount(mount.fsType(), mount.source())
                    .orElseGet(() -> new ConnectionKey("posix://" + mount.mountPoint()));
            found.add(new Active(key, info));
        }
        for (IscsiSessions.Session session : sessions.list()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("type", StorageType.ISCSI.scheme());
            info.put("host", session.address());
            info.put("port", session.port());
            info.put("iqn", session.target());
            if (session.tpgt() != null) {
                info.put("tpgt", session.tpgt());
            }
            info.put("session", session.name());
            ConnectionKey key = IscsiScheme.keyOfSession(session.address(), session.port(), session.target())
                    .orElseGet(() -> new ConnectionKey("posix://" + session.name()));
            found.add(new Active(key, info));
        }
        for (NvmeControllers.Controller controller : controllers.list()) {
            if (!controller.transport().equals("tcp")) {
                continue;
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("type", StorageType.NVME_TCP.scheme());
            info.put("host", controller.address());
            info.put("port", controller.port());
            info.put("nqn", controller.nqn());
            info.put("controller", controller.name().text());
            ConnectionKey key = NvmeScheme.keyOfController(controller.address(), controller.port(), controller.nqn())
                    .orElseGet(() -> new ConnectionKey("posix://" + controller.name().text()));
            found.add(new Active(key, info));
        }
        return found;
    }

    /** Where the mounted ones of {@code held} are mounted, each in its host's one spelling. */
    private Set<Path> mountPoints(Collection<StorageUri> held) {
        Set<Path> points = new HashSet<>();
        for (StorageUri uri : held) {
            if (uri.type().definition().facts().makes() == Scheme.Makes.MOUNT) {
                points.add(MountPaths.inOneSpelling(MountPaths.mountPoint(mountRoot, uri)));
            }
        }
        return points;
    }
}
