package io.tether.vdsm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of VDSM's {@code connectionParams}, the fields Tether maps (docs/operations.md,
 * "Migrating from VDSM"); an absent field is null. {@link #toString()} leaves the password out,
 * so a connection can be logged.
 *
 * @param id         the engine's connection id (a UUID); the CID is {@code vdsm-<id>}
 * @param connection {@code server:/export} (NFS, POSIX, GlusterFS), a directory (LOCALFS) or the
 *                   iSCSI portal's host
 * @param tpgt       the iSCSI target portal group tag ({@code tpgt}, or VDSM's older {@code portal})
 */
public record VdsmConnection(String id, String connection, String port, String iqn, String tpgt, String user,
        String password, String vfsType, String mntOptions, String protocolVersion, String iface) {

    /** The CID a VDSM connection is managed under. */
    public String cid() {
        return "vdsm-" + id;
    }

    /** Reads one entry of {@code connectionParams}; VDSM sends numbers as strings or numbers alike. */
    public static VdsmConnection from(JsonNode params) {
        String tpgt = text(params, "tpgt");
        return new VdsmConnection(text(params, "id"), text(params, "connection"), text(params, "port"),
                text(params, "iqn"), tpgt != null ? tpgt : text(params, "portal"), text(params, "user"),
                text(params, "password"), text(params, "vfs_type"), text(params, "mnt_options"),
                text(params, "protocol_version"), text(params, "iface"));
    }

    private static String text(JsonNode params, String field) {
        JsonNode value = params.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.asText().strip();
        return text.isEmpty() ? null : text;
    }

    @Override
    public String toString() {
        return "VdsmConnection[id=" + id + ", connection=" + connection + ", port=" + port + ", iqn=" + iqn
                + ", tpgt=" + tpgt + ", user=" + user + ", password=" + (password == null ? "none" : "(hidden)")
                + ", vfsType=" + vfsType + ", mntOptions=" + mntOptions + ", protocolVersion=" + protocolVersion
                + ", iface=" + iface + "]";
    }
}
