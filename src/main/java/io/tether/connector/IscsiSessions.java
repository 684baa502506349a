package io.tether.connector;

import io.tether.uri.StorageType;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The host's iSCSI sessions, read from sysfs ({@code /sys/class/iscsi_session}), laid out as the
 * kernel's iSCSI transport class makes it (docs/connectors.md, "iSCSI health"):
 * <pre>
 * class/iscsi_session/sessionN -&gt; devices/platform/hostH/sessionN/iscsi_session/sessionN
 *     targetname tpgt ifacename state recovery_tmo
 *     device -&gt; devices/platform/hostH/sessionN
 *         connectionN:0/iscsi_connection/connectionN:0/persistent_address, persistent_port
 *         targetH:0:T/H:0:T:LUN/block/sdX          (the session's LUNs once scanned)
 * class/scsi_host/hostH/scan                        (where a LUN is scanned for: "C T L")
 * </pre>
 */
public final class IscsiSessions {
    /** The kernel's session state while logged in (the others: FAILED while iscsid recovers, FREE after). */
    public static final String LOGGED_IN = "LOGGED_IN";
    /** The kernel's session state from a lost connection until it is recovered or its recovery_tmo passes. */
    public static final String FAILED = "FAILED";

    /**
     * One session: sysfs name (sessionN), target, portal, portal group tag and iface; its state
     * ({@code LOGGED_IN}, {@code FAILED}, {@code FREE}; {@code LOGGED_IN} where sysfs does not say),
     * its recovery timeout in seconds (null where not shown), its LUNs' block devices and the SCSI
     * host's scan file (null where not found).
     */
    public record Session(String name, String target, String address, int port, String tpgt, String iface,
            String state, Integer recoveryTmo, Map<Integer, String> lunDevices, Path scanFile) {
        public Session {
            lunDevices = Map.copyOf(lunDevices);
        }

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
                    String state = read(session.resolve("state"));
                    sessions.add(new Session(session.getFileName().toString(), target, address,
                            port == null ? StorageType.ISCSI.defaultPort() : Integer.parseInt(port), read(session.resolve("tpgt")),
                            read(session.resolve("ifacename")), state == null ? LOGGED_IN : state,
                            number(read(session.resolve("recovery_tmo"))), lunDevices(session.resolve("device")),
                            scanFile(session.resolve("device")).orElse(null)));
                }
            }
        } catch (IOException e) {
            // Unreadable sysfs: no sessions we can see.
        }
        return sessions;
    }

    /** LUN to block device name: {@code device/targetH:C:T/H:C:T:L/block/sdX}. */
    private static Map<Integer, String> lunDevices(Path device) {
        Map<Integer, String> luns = new TreeMap<>();
        try (DirectoryStream<Path> targets = Files.newDirectoryStream(device, "target*")) {
            for (Path target : targets) {
                try (DirectoryStream<Path> units = Files.newDirectoryStream(target)) {
                    for (Path unit : units) {
                        String[] hctl = unit.getFileName().toString().split(":");
                        Integer lun = hctl.length == 4 ? number(hctl[3]) : null;
                        if (lun == null || !Files.isDirectory(unit.resolve("block"))) {
                            continue;
                        }
                        try (DirectoryStream<Path> blocks = Files.newDirectoryStream(unit.resolve("block"))) {
                            for (Path block : blocks) {
                                luns.put(lun, block.getFileName().toString());
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            // No LUN scanned yet, or the session is going away.
        }
        return luns;
    }

    /**
     * The scan file of the session's SCSI host: the session device lives under {@code hostH}, whose
     * {@code scsi_host/hostH/scan} takes "channel target lun".
     */
    private static Optional<Path> scanFile(Path device) {
        try {
            Path host = device.toRealPath().getParent();
            if (host == null || !host.getFileName().toString().startsWith("host")) {
                return Optional.empty();
            }
            Path scan = host.resolve("scsi_host").resolve(host.getFileName()).resolve("scan");
            return Files.exists(scan) ? Optional.of(scan) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Integer number(String text) {
        try {
            return text == null ? null : Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
