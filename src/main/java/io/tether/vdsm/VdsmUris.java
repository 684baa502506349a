package io.tether.vdsm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one table from a VDSM connection ({@code domainType} and one entry of
 * {@code connectionParams}) to a Tether storage URI, and back (docs/operations.md, "Migrating from
 * VDSM", shows it):
 * <pre>
 * NFS       server:/export, protocol_version, mnt_options  nfs://server[:port]/export?version=V&amp;options=a,b
 * POSIXFS   server:/path or /dev/..., vfs_type, mnt_options posix://[server[:port]]/path?vfsType=T&amp;options=a,b
 * GLUSTERFS server:/volume[/dir], mnt_options              glusterfs://server[:port]/volume[/dir]?backup-volfile-servers=h2:h3&amp;options=a,b
 * LOCALFS   /directory                                      file:///directory
 * ISCSI     connection, port, iqn, tpgt, user, password, iface
 *                                                           iscsi://[user%password@]connection[:port]/iqn?tpgt=N&amp;iface=NAME
 * FCP       (nothing to connect: not mapped)
 * </pre>
 * The CHAP password goes where Tether's iSCSI URI keeps it, so the worker encrypts it at rest like
 * any other; the gateway's client seals such a URI for the host before it crosses the broker.
 */
public final class VdsmUris {
    private static final String BACKUP_SERVERS = "backup-volfile-servers";

    private VdsmUris() {
    }

    /** A VDSM connection Tether cannot manage; the message says why, without any password. */
    public static final class UnmappableException extends Exception {
        UnmappableException(String message) {
            super(message);
        }
    }

    /** A Tether URI read back as VDSM would send it: the domain type and the connection (no id). */
    public record Mapped(DomainType type, VdsmConnection connection) {
    }

    /** The Tether URI for {@code connection} of VDSM domain type {@code type}. */
    public static String toUri(DomainType type, VdsmConnection c) throws UnmappableException {
        if (c.connection() == null) {
            throw new UnmappableException("connection " + c.id() + " has no 'connection'");
        }
        return switch (type) {
            case NFS -> mountUri("nfs", c, c.protocolVersion() == null ? null : "version=" + encode(c.protocolVersion(), ""));
            case POSIXFS -> {
                if (c.vfsType() == null) {
                    throw new UnmappableException("POSIXFS connection " + c.id() + " has no vfs_type");
                }
                yield mountUri("posix", c, "vfsType=" + encode(c.vfsType(), ""));
            }
            case GLUSTERFS -> mountUri("glusterfs", c, null);
            case LOCALFS -> {
                if (!c.connection().startsWith("/")) {
                    throw new UnmappableException("LOCALFS connection " + c.id() + " is not an absolute directory");
                }
                yield "file://" + encode(c.connection(), "/");
            }
            case ISCSI -> iscsiUri(c);
            case FCP -> throw new UnmappableException("FCP needs no connection and is not mapped (connection " + c.id() + ")");
        };
    }

    private static String mountUri(String scheme, VdsmConnection c, String firstParam) throws UnmappableException {
        String spec = c.connection();
        String host = "";
        String path = spec;
        int sep = spec.indexOf(":/");
        if (sep > 0) {
            host = spec.substring(0, sep);
            path = spec.substring(sep + 1);
        } else if (!spec.startsWith("/") || !scheme.equals("posix")) {
            throw new UnmappableException("connection " + c.id() + " is not server:/path");
        }
        List<String> params = new ArrayList<>();
        if (firstParam != null) {
            params.add(firstParam);
        }
        List<String> options = new ArrayList<>();
        if (c.mntOptions() != null) {
            for (String option : c.mntOptions().split(",")) {
                if (option.isBlank()) {
                    continue;
                }
                if (scheme.equals("glusterfs") && option.startsWith(BACKUP_SERVERS + "=")) {
                    params.add(BACKUP_SERVERS + "=" + encode(option.substring(BACKUP_SERVERS.length() + 1), ":"));
                } else {
                    options.add(encode(option.strip(), "="));
                }
            }
        }
        if (!options.isEmpty()) {
            params.add("options=" + String.join(",", options));
        }
        String port = c.port() == null ? "" : ":" + c.port();
        return scheme + "://" + host + port + encode(path, "/") + (params.isEmpty() ? "" : "?" + String.join("&", params));
    }

    private static String iscsiUri(VdsmConnection c) throws UnmappableException {
        if (c.iqn() == null) {
            throw new UnmappableException("ISCSI connection " + c.id() + " has no iqn");
        }
        String userInfo = "";
        if (c.user() != null) {
            // Tether's iSCSI URI keeps CHAP credentials as written, split at the first '%'.
            if (c.user().indexOf('%') >= 0 || !fitsUserInfo(c.user()) || (c.password() != null && !fitsUserInfo(c.password()))) {
                throw new UnmappableException("ISCSI connection " + c.id()
                        + ": a CHAP user with '%', or a user or password with '@', '/', '?' or '#', is not mapped");
            }
            userInfo = c.user() + (c.password() == null ? "" : "%" + c.password()) + "@";
        }
        List<String> params = new ArrayList<>();
        if (c.tpgt() != null) {
            params.add("tpgt=" + encode(c.tpgt(), ""));
        }
        // VDSM's "default" iface is the host's default: no binding to ask for.
        if (c.iface() != null && !c.iface().equals("default")) {
            params.add("iface=" + encode(c.iface(), ""));
        }
        String port = c.port() == null ? "" : ":" + c.port();
        return "iscsi://" + userInfo + c.connection() + port + "/" + encode(c.iqn(), ":")
                + (params.isEmpty() ? "" : "?" + String.join("&", params));
    }

    /** A Tether URI read back into VDSM's parameters: the table above, right to left. */
    public static Mapped fromUri(String uri) throws UnmappableException {
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd < 0) {
            throw new UnmappableException("not a storage URI");
        }
        String scheme = uri.substring(0, schemeEnd);
        String rest = uri.substring(schemeEnd + 3);
        int queryStart = rest.indexOf('?');
        Map<String, String> query = query(queryStart < 0 ? "" : rest.substring(queryStart + 1));
        rest = queryStart < 0 ? rest : rest.substring(0, queryStart);
        int pathStart = rest.indexOf('/');
        String authority = pathStart < 0 ? rest : rest.substring(0, pathStart);
        String path = pathStart < 0 ? "" : decode(rest.substring(pathStart));
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        String host = authority;
        String port = null;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && colon > authority.lastIndexOf(']')) {
            host = authority.substring(0, colon);
            port = authority.substring(colon + 1);
        }
        String options = query.get("options");
        String spec = host.isEmpty() ? path : host + ":" + path;
        return switch (scheme) {
            case "nfs" -> new Mapped(DomainType.NFS, new VdsmConnection(null, spec, port, null, null, null, null, null,
                    options, query.get("version"), null));
            case "posix" -> new Mapped(DomainType.POSIXFS, new VdsmConnection(null, spec, port, null, null, null, null,
                    query.get("vfsType"), options, null, null));
            case "glusterfs" -> {
                String backup = query.get(BACKUP_SERVERS);
                String mnt = backup == null ? options : BACKUP_SERVERS + "=" + backup + (options == null ? "" : "," + options);
                yield new Mapped(DomainType.GLUSTERFS, new VdsmConnection(null, spec, port, null, null, null, null, null,
                        mnt, null, null));
            }
            case "file" -> new Mapped(DomainType.LOCALFS, new VdsmConnection(null, path, null, null, null, null, null,
                    null, null, null, null));
            case "iscsi" -> {
                String user = null;
                String password = null;
                if (userInfo != null) {
                    int sep = userInfo.indexOf('%');
                    user = sep < 0 ? userInfo : userInfo.substring(0, sep);
                    password = sep < 0 ? null : userInfo.substring(sep + 1);
                }
                yield new Mapped(DomainType.ISCSI, new VdsmConnection(null, host, port, path.substring(1), query.get("tpgt"),
                        user, password, null, null, null, query.get("iface")));
            }
            default -> throw new UnmappableException("scheme " + scheme + " has no VDSM domain type");
        };
    }

    private static boolean fitsUserInfo(String text) {
        return text.chars().noneMatch(c -> "@/?#".indexOf(c) >= 0 || c <= ' ');
    }

    private static boolean isEscape(String text, int percent) {
        return percent + 2 < text.length() && isHex(text.charAt(percent + 1)) && isHex(text.charAt(percent + 2));
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static Map<String, String> query(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(pair.substring(0, eq), decode(pair.substring(eq + 1)));
            }
        }
        return params;
    }

    /** Percent-encodes all but RFC 3986's unreserved characters and {@code keep}. */
    static String encode(String text, String keep) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0
                    || (c < 128 && keep.indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    static String decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && isEscape(text, i)) {
                out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
