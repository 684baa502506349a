package io.tether.connection;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Parses and normalises the storage URIs of the wire contract (docs/protocol.md section 6). Strict on
 * purpose: an unknown parameter is an error that names the allowed ones, so a typo never becomes a
 * silently different mount. Error messages never repeat the user-info part of a URI.
 */
public final class UriParser {

    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-f:.]+(%[a-z0-9]+)?]");
    private static final Pattern IQN = Pattern.compile(
            "(iqn\\.\\d{4}-\\d{2}\\.[a-z0-9][a-z0-9.:_-]*|eui\\.[0-9a-f]{16}|naa\\.[0-9a-f]{16}([0-9a-f]{16})?)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]+");
    private static final Pattern VFS_TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern NFS_VERSION = Pattern.compile("3|4|4\\.[012]");
    /** The longest URI accepted, in characters (also the schemas' maxLength of {@code uri}). */
    public static final int MAX_URI = 4096;

    private static final Map<StorageType, Set<String>> PARAMS = Map.of(
            StorageType.NFS, Set.of("version", "retrans", "timeo", "options"),
            StorageType.ISCSI, Set.of("tpgt", "iface"),
            StorageType.GLUSTERFS, Set.of("backup-volfile-servers", "options"),
            StorageType.POSIX, Set.of("vfsType", "options"),
            StorageType.FILE, Set.of());

    private UriParser() {
    }

    /** Parses {@code raw}; the result's {@link StorageUri#toString()} is the normalised form. */
    public static StorageUri parse(String raw) throws InvalidUriException {
        try {
            return parseUnchecked(raw);
        } catch (InvalidUriException e) {
            if (raw != null && maySecret(raw)) {
                // A misplaced character ('?' or '/' in a password, say) moves the part boundaries, so
                // a quoted host or parameter name may be a piece of the secret: quote nothing.
                throw new InvalidUriException(e.getMessage().replaceAll("'.*'", "(not shown: the uri may hold a secret)"));
            }
            throw e;
        }
    }

    /** Whether {@code raw} may carry a CHAP password (user info) or a secret mount option. */
    private static boolean maySecret(String raw) {
        String lower = raw.toLowerCase(Locale.ROOT);
        return raw.indexOf('@') >= 0 || lower.contains("pass") || lower.contains("secret");
    }

    private static StorageUri parseUnchecked(String raw) throws InvalidUriException {
        if (raw == null || raw.isBlank()) {
            throw new InvalidUriException("uri is empty");
        }
        if (raw.length() > MAX_URI) {
            throw new InvalidUriException("uri is longer than " + MAX_URI + " characters");
        }
        if (raw.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw new InvalidUriException("uri contains spaces or control characters; percent-encode them");
        }
        int schemeEnd = raw.indexOf("://");
        if (schemeEnd <= 0) {
            throw new InvalidUriException("uri must look like scheme://...; schemes: nfs, iscsi, glusterfs, posix, file");
        }
        String scheme = raw.substring(0, schemeEnd);
        StorageType type = StorageType.ofScheme(scheme).orElseThrow(() -> new InvalidUriException(
                "scheme '" + safe(scheme) + "' is not supported; use one of nfs, iscsi, glusterfs, posix, file"));
        String rest = raw.substring(schemeEnd + 3);
        if (rest.indexOf('#') >= 0) {
            throw new InvalidUriException("uri must not have a #fragment");
        }
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        // User info may contain '/' only percent-encoded, but '@' and '%' (the libiscsi
        // user%password separator) are allowed, so the authority ends at the first '/' after the last '@'.
        int at = rest.lastIndexOf('@');
        int slash = rest.indexOf('/', Math.max(at, 0));
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String rawPath = slash < 0 ? "" : rest.substring(slash);

        String userInfo = null;
        int atInAuthority = authority.lastIndexOf('@');
        if (atInAuthority >= 0) {
            userInfo = authority.substring(0, atInAuthority);
            authority = authority.substring(atInAuthority + 1);
        }
        String[] hostPort = splitHostPort(authority, type);
        String host = hostPort[0];
        int port = parsePort(hostPort[1], type);

        Map<String, String> query1 = parseQuery(query, type);
        return switch (type) {
            case NFS -> nfs(host, port, rawPath, userInfo, query1);
            case ISCSI -> iscsi(host, port, rawPath, userInfo, query1);
            case GLUSTERFS -> gluster(host, port, rawPath, userInfo, query1);
            case POSIX -> posix(host, port, rawPath, userInfo, query1);
            case FILE -> file(host, port, rawPath, userInfo, query1);
        };
    }

    private static StorageUri nfs(String host, int port, String rawPath, String userInfo, Map<String, String> query)
            throws InvalidUriException {
        noUserInfo(userInfo, StorageType.NFS);
        requireHost(host, StorageType.NFS);
        String path = normalisePath(rawPath, "export path");
        TreeMap<String, String> params = new TreeMap<>();
        String version = query.remove("version");
        if (version != null) {
            if (!NFS_VERSION.matcher(version).matches()) {
                throw new InvalidUriException("nfs version must be 3, 4, 4.0, 4.1 or 4.2");
            }
            params.put("version", version);
        }
        for (String name : List.of("retrans", "timeo")) {
            String value = query.remove(name);
            if (value != null) {
                params.put(name, Integer.toString(positiveInt(name, value, 1, 1_000_000)));
            }
        }
        return new StorageUri(StorageType.NFS, host, port, path, null, params, options(query), null, null);
    }

    private static StorageUri iscsi(String host, int port, String rawPath, String userInfo, Map<String, String> query)
            throws InvalidUriException {
        requireHost(host, StorageType.ISCSI);
        String username = null;
        String password = null;
        if (userInfo != null) {
            int sep = userInfo.indexOf('%');
            username = sep < 0 ? userInfo : userInfo.substring(0, sep);
            password = sep < 0 ? null : userInfo.substring(sep + 1);
            if (username.isEmpty()) {
                throw new InvalidUriException("iscsi user name is empty; the form is iscsi://user%password@host/IQN");
            }
        }
        TreeMap<String, String> params = new TreeMap<>();
        // The proposal's form iscsi://host/IQN;portal=N names the portal group tag.
        String path = rawPath;
        int semi = path.indexOf(';');
        if (semi >= 0) {
            String matrix = path.substring(semi + 1);
            path = path.substring(0, semi);
            if (!matrix.startsWith("portal=")) {
                throw new InvalidUriException("iscsi path parameter must be ;portal=N (the portal group tag)");
            }
            params.put("tpgt", Integer.toString(positiveInt("portal", matrix.substring(7), 0, 65535)));
        }
        String[] segments = path.replaceAll("^/+|/+$", "").split("/+");
        if (segments.length < 1 || segments[0].isEmpty() || segments.length > 2) {
            throw new InvalidUriException("iscsi uri must be iscsi://host[:port]/IQN[/LUN]");
        }
        String iqn = decode(segments[0], "target name").toLowerCase(Locale.ROOT);
        if (!IQN.matcher(iqn).matches()) {
            throw new InvalidUriException("iscsi target name must be an iqn., eui. or naa. name");
        }
        Integer lun = segments.length == 2 ? positiveInt("LUN", segments[1], 0, 16383) : null;
        String tpgt = query.remove("tpgt");
        if (tpgt != null) {
            String value = Integer.toString(positiveInt("tpgt", tpgt, 0, 65535));
            if (params.containsKey("tpgt") && !params.get("tpgt").equals(value)) {
                throw new InvalidUriException("iscsi ;portal= and tpgt= disagree");
            }
            params.put("tpgt", value);
        }
        String iface = query.remove("iface");
        if (iface != null) {
            if (!NAME.matcher(iface).matches()) {
                throw new InvalidUriException("iscsi iface must be an interface name of letters, digits, '_', '.', ':' or '-'");
            }
            params.put("iface", iface);
        }
        return new StorageUri(StorageType.ISCSI, host, port, "/" + iqn, lun, params, List.of(), username, password);
    }

    private static StorageUri gluster(String host, int port, String rawPath, String userInfo, Map<String, String> query)
            throws InvalidUriException {
        noUserInfo(userInfo, StorageType.GLUSTERFS);
        requireHost(host, StorageType.GLUSTERFS);
        String path = normalisePath(rawPath, "volume");
        if (path.equals("/")) {
            throw new InvalidUriException("glusterfs uri must name a volume: glusterfs://host/volume");
        }
        String volume = path.substring(1).split("/")[0];
        if (!NAME.matcher(volume).matches() || volume.contains(":")) {
            throw new InvalidUriException("glusterfs volume name may hold only letters, digits, '_', '.' and '-'");
        }
        TreeMap<String, String> params = new TreeMap<>();
        String backups = query.remove("backup-volfile-servers");
        if (backups != null) {
            List<String> servers = new ArrayList<>();
            for (String server : backups.split(":", -1)) {
                String s = server.toLowerCase(Locale.ROOT);
                if (!HOST.matcher(s).matches()) {
                    throw new InvalidUriException("backup-volfile-servers must be host names separated by ':'");
                }
                servers.add(s);
            }
            params.put("backup-volfile-servers", String.join(":", servers));
        }
        return new StorageUri(StorageType.GLUSTERFS, host, port, path, null, params, options(query), null, null);
    }

    private static StorageUri posix(String host, int port, String rawPath, String userInfo, Map<String, String> query)
            throws InvalidUriException {
        noUserInfo(userInfo, StorageType.POSIX);
        String path = normalisePath(rawPath, "path");
        if (host.isEmpty() && port != -1) {
            throw new InvalidUriException("posix uri has a port but no host");
        }
        String vfsType = query.remove("vfsType");
        if (vfsType == null || !VFS_TYPE.matcher(vfsType).matches()) {
            throw new InvalidUriException("posix uri needs vfsType=T, the file system type given to mount -t");
        }
        TreeMap<String, String> params = new TreeMap<>(Map.of("vfsType", vfsType));
        return new StorageUri(StorageType.POSIX, host, port, path, null, params, options(query), null, null);
    }

    private static StorageUri file(String host, int port, String rawPath, String userInfo, Map<String, String> query)
            throws InvalidUriException {
        noUserInfo(userInfo, StorageType.FILE);
        if (!(host.isEmpty() || host.equals("localhost")) || port != -1) {
            throw new InvalidUriException("file uri names a local directory: file:///absolute/path");
        }
        if (!query.isEmpty()) {
            throw new InvalidUriException("file uri takes no parameters");
        }
        String path = normalisePath(rawPath, "path");
        if (path.equals("/")) {
            throw new InvalidUriException("file uri must name a directory below /");
        }
        return new StorageUri(StorageType.FILE, "", -1, path, null, new TreeMap<>(), List.of(), null, null);
    }

    private static String[] splitHostPort(String authority, StorageType type) throws InvalidUriException {
        String host;
        String port = "";
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new InvalidUriException("IPv6 host is missing ']'");
            }
            host = authority.substring(0, close + 1).toLowerCase(Locale.ROOT);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new InvalidUriException("unexpected text after IPv6 host");
                }
                port = after.substring(1);
            }
            if (!IPV6.matcher(host).matches()) {
                throw new InvalidUriException("host is not a valid IPv6 address");
            }
        } else {
            int colon = authority.indexOf(':');
            host = (colon < 0 ? authority : authority.substring(0, colon)).toLowerCase(Locale.ROOT);
            port = colon < 0 ? "" : authority.substring(colon + 1);
            if (!host.isEmpty() && !HOST.matcher(host).matches()) {
                throw new InvalidUriException("host '" + safe(host) + "' is not a valid host name or address");
            }
        }
        return new String[] {host, port};
    }

    private static int parsePort(String port, StorageType type) throws InvalidUriException {
        if (port.isEmpty()) {
            return -1;
        }
        int value = positiveInt("port", port, 1, 65535);
        return value == type.defaultPort() ? -1 : value;
    }

    private static Map<String, String> parseQuery(String query, StorageType type) throws InvalidUriException {
        Map<String, String> params = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return params;
        }
        Set<String> allowed = PARAMS.get(type);
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidUriException("uri parameter must be name=value");
            }
            String name = decode(pair.substring(0, eq), "parameter name");
            if (!allowed.contains(name)) {
                throw new InvalidUriException(type.scheme() + " uri does not take parameter '" + safe(name) + "'"
                        + (allowed.isEmpty() ? "" : "; allowed: " + String.join(", ", allowed.stream().sorted().toList())));
            }
            if (params.put(name, decode(pair.substring(eq + 1), "parameter " + name)) != null) {
                throw new InvalidUriException("uri parameter '" + name + "' is given twice");
            }
        }
        return params;
    }

    private static List<String> options(Map<String, String> query) throws InvalidUriException {
        String options = query.remove("options");
        if (options == null) {
            return List.of();
        }
        List<String> list = new ArrayList<>();
        for (String option : options.split(",", -1)) {
            if (option.isEmpty() || option.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                throw new InvalidUriException("options must be a comma-separated list of mount options without spaces");
            }
            list.add(option);
        }
        return list;
    }

    /** Like Python's os.path.normpath for absolute paths, as VDSM normalises mount specs. */
    static String normalisePath(String rawPath, String what) throws InvalidUriException {
        if (rawPath.isEmpty() || rawPath.equals("/")) {
            return "/";
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String segment : rawPath.split("/")) {
            String s = decode(segment, what);
            if (s.indexOf('/') >= 0 || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new InvalidUriException(what + " must not hold an encoded '/' or control characters");
            }
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(s);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static void requireHost(String host, StorageType type) throws InvalidUriException {
        if (host.isEmpty()) {
            throw new InvalidUriException(type.scheme() + " uri needs a host: " + type.scheme() + "://host/...");
        }
    }

    private static void noUserInfo(String userInfo, StorageType type) throws InvalidUriException {
        if (userInfo != null) {
            throw new InvalidUriException(type.scheme() + " uri takes no user or password before '@'"
                    + (type == StorageType.ISCSI ? "" : "; pass secrets as mount options"));
        }
    }

    private static int positiveInt(String name, String value, int min, int max) throws InvalidUriException {
        try {
            if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(Character::isDigit)) {
                throw new NumberFormatException();
            }
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidUriException(name + " must be a whole number from " + min + " to " + max);
        }
    }

    /** Percent-decodes strictly: a malformed escape or invalid UTF-8 is an error, '+' stays '+'. */
    static String decode(String s, String what) throws InvalidUriException {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int plainStart = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '%') {
                continue;
            }
            out.writeBytes(s.substring(plainStart, i).getBytes(StandardCharsets.UTF_8));
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new InvalidUriException(what + " has a malformed %-escape");
            }
            out.write(hi << 4 | lo);
            i += 2;
            plainStart = i + 1;
        }
        out.writeBytes(s.substring(plainStart).getBytes(StandardCharsets.UTF_8));
        try {
            return Text.decodeUtf8Strictly(out.toByteArray());
        } catch (CharacterCodingException e) {
            throw new InvalidUriException(what + " is not valid UTF-8 after %-decoding");
        }
    }

    /** User text quoted in an error, cut short so a huge or hostile value cannot flood a reply. */
    private static String safe(String s) {
        return Text.shorten(s, 64);
    }
}
