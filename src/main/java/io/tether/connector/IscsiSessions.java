package io.tether.connector;

import io.tether.connection.StorageType;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's iSCSI sessions, read from sysfs ({@code /sys/class/iscsi_session}). */
public final class IscsiSessions {
    /** One session: sysfs name (sessionN), target, portal, portal group tag and iface. */
    public record Session(String name, String target, String address, int port, String tpgt, String iface) {
        /** The session id iscsiadm wants ({@code -r N}). */
        public String id() {
            return name.replace("session", "");
        }
    }

    private final Path root;

    public IscsiSessions(Path root) {
        this.root = root;
    }

    public static IscsiSessions ofHost() {
        return new IscsiSessions(Path.of("/sys/class/iscsi_session"));
    }

    public List<Session> list() {
        List<Session> sessions = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return sessions;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "session*")) {
            for (Path session : dirs) {
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
                    // No connection directory: the session is being torn down.
                }
                if (target != null && address != null) {
                    sessions.add(new Session(session.getFileName().toString(), target, address,
                            port == null ? StorageType.ISCSI.defaultPort() : Integer.parseInt(port), read(session.resolve("tpgt")),
                            read(session.resolve("ifacename"))));
                }
            }
        } catch (IOException e) {
            // Unreadable sysfs: no sessions we can see.
        }
        return sessions;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
