package io.tether.connector;

import io.tether.connection.ConnectionKey;
import io.tether.connection.InvalidUriException;
import io.tether.connection.UriParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The storage connections active on this host right now, whoever made them: mounts under the
 * worker's mount root and iSCSI sessions. The list call shows those that no CID holds, as the
 * proposal asks.
 */
public final class ActiveConnections {

    /** One active host connection: the key it would have if managed, and what is known of it. */
    public record Active(ConnectionKey key, Map<String, Object> info) {
    }

    private final Path mountRoot;
    private final MountTable mounts;
    private final IscsiSessions sessions;

    public ActiveConnections(Path mountRoot, MountTable mounts, IscsiSessions sessions) {
        this.mountRoot = mountRoot.toAbsolutePath().normalize();
        this.mounts = mounts;
        this.sessions = sessions;
    }

    public static ActiveConnections ofHost(Path mountRoot) {
        return new ActiveConnections(mountRoot, MountTable.ofHost(), IscsiSessions.ofHost());
    }

    public List<Active> scan() {
        List<Active> found = new ArrayList<>();
        for (MountTable.Mount mount : mounts.mounts()) {
            if (!mount.mountPoint().startsWith(mountRoot) || mount.mountPoint().equals(mountRoot)) {
                continue;
            }
            String scheme = switch (mount.fsType()) {
                case "nfs", "nfs4" -> "nfs";
                case "fuse.glusterfs", "glusterfs" -> "glusterfs";
                default -> "posix";
            };
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("type", scheme);
            info.put("source", mount.source());
            info.put("vfsType", mount.fsType());
            info.put("mountPoint", mount.mountPoint().toString());
            String source = mount.source();
            int colon = source.indexOf(":/");
            String uri = colon > 0
                    ? scheme + "://" + source.substring(0, colon) + source.substring(colon + 1)
                    : scheme + "://" + (source.startsWith("/") ? source : "/" + source);
            found.add(new Active(keyOf(scheme.equals("posix") ? uri + "?vfsType=" + mount.fsType() : uri, mount.mountPoint()), info));
        }
        for (IscsiSessions.Session session : sessions.list()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("type", "iscsi");
            info.put("host", session.address());
            info.put("port", session.port());
            info.put("iqn", session.target());
            if (session.tpgt() != null) {
                info.put("tpgt", session.tpgt());
            }
            info.put("session", session.name());
            String host = session.address().contains(":") ? "[" + session.address() + "]" : session.address();
            found.add(new Active(keyOf("iscsi://" + host + ":" + session.port() + "/" + session.target(),
                    Path.of(session.name())), info));
        }
        return found;
    }

    /** The key a managed connection would have; for a source no URI can name, where it is. */
    private static ConnectionKey keyOf(String uri, Path where) {
        try {
            return UriParser.parse(uri).key();
        } catch (InvalidUriException e) {
            return new ConnectionKey("posix://" + where);
        }
    }
}
