package io.tether.connector;

import io.tether.connection.ConnectionKey;
import io.tether.connection.InvalidUriException;
import io.tether.connection.UriParser;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage connections active on this host right now, whoever made them: mounts under the
 * worker's mount root (from mountinfo) and iSCSI sessions (from sysfs). The list call shows those
 * that no CID holds, as the proposal asks.
 */
public final class ActiveConnections {
    private static final Logger log = LoggerFactory.getLogger(ActiveConnections.class);

    /** One active host connection: the key it would have if managed, and what is known of it. */
    public record Active(ConnectionKey key, Map<String, Object> info) {
    }

    private final Path mountRoot;
    private final Path mountInfo;
    private final Path iscsiSessions;

    /**
     * @param mountInfo     normally /proc/self/mountinfo
     * @param iscsiSessions normally /sys/class/iscsi_session
     */
    public ActiveConnections(Path mountRoot, Path mountInfo, Path iscsiSessions) {
        this.mountRoot = mountRoot.toAbsolutePath().normalize();
        this.mountInfo = mountInfo;
        this.iscsiSessions = iscsiSessions;
    }

    public static ActiveConnections ofHost(Path mountRoot) {
        return new ActiveConnections(mountRoot, Path.of("/proc/self/mountinfo"), Path.of("/sys/class/iscsi_session"));
    }

    public List<Active> scan() {
        List<Active> active = new ArrayList<>(mounts());
        active.addAll(iscsiSessions());
        return active;
    }

    /** Mounts below the mount root, as nfs://, glusterfs:// or posix:// connections. */
    List<Active> mounts() {
        List<Active> found = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(mountInfo);
        } catch (IOException e) {
            log.warn("cannot read {}: {}", mountInfo, e.getMessage());
            return found;
        }
        for (String line : lines) {
            // mountinfo(5): id parent major:minor root mount-point options [optional...] - fstype source super-options
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (left.length < 5 || right.length < 2) {
                continue;
            }
            Path mountPoint = Path.of(unescape(left[4]));
            if (!mountPoint.startsWith(mountRoot) || mountPoint.equals(mountRoot)) {
                continue;
            }
            String fsType = right[0];
            String source = unescape(right[1]);
            Map<String, Object> info = new LinkedHashMap<>();
            String scheme = switch (fsType) {
                case "nfs", "nfs4" -> "nfs";
                case "fuse.glusterfs", "glusterfs" -> "glusterfs";
                default -> "posix";
            };
            info.put("type", scheme);
            info.put("source", source);
            info.put("vfsType", fsType);
            info.put("mountPoint", mountPoint.toString());
            int colon = source.indexOf(":/");
            String uri = colon > 0
                    ? scheme + "://" + source.substring(0, colon) + source.substring(colon + 1)
                    : scheme + "://" + (source.startsWith("/") ? source : "/" + source);
            found.add(new Active(keyOf(scheme.equals("posix") ? uri + "?vfsType=" + fsType : uri, mountPoint), info));
        }
        return found;
    }

    /** iSCSI sessions, as iscsi:// connections. */
    List<Active> iscsiSessions() {
        List<Active> found = new ArrayList<>();
        if (!Files.isDirectory(iscsiSessions)) {
            return found;
        }
        try (DirectoryStream<Path> sessions = Files.newDirectoryStream(iscsiSessions, "session*")) {
            for (Path session : sessions) {
                String target = read(session.resolve("targetname"));
                String address = null;
                String port = null;
                // sessionN/device/connectionN:M/iscsi_connection/connectionN:M/persistent_{address,port}
                try (DirectoryStream<Path> conns = Files.newDirectoryStream(session.resolve("device"), "connection*")) {
                    for (Path conn : conns) {
                        Path attrs = conn.resolve("iscsi_connection").resolve(conn.getFileName());
                        address = read(attrs.resolve("persistent_address"));
                        port = read(attrs.resolve("persistent_port"));
                    }
                } catch (IOException e) {
                    // A session without a connection directory is being torn down.
                }
                if (target == null || address == null) {
                    continue;
                }
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("type", "iscsi");
                info.put("host", address);
                if (port != null) {
                    info.put("port", Integer.parseInt(port));
                }
                info.put("iqn", target);
                String tpgt = read(session.resolve("tpgt"));
                if (tpgt != null) {
                    info.put("tpgt", tpgt);
                }
                info.put("session", session.getFileName().toString());
                String host = address.contains(":") ? "[" + address + "]" : address;
                found.add(new Active(keyOf("iscsi://" + host + (port == null ? "" : ":" + port) + "/" + target, session), info));
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", iscsiSessions, e.getMessage());
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

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
