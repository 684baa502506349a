package io.tether.uri;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A parsed, normalised storage URI (see {@link UriParser}). Two URIs that name the same target with
 * the same settings, their hosts written alike, are equal; written otherwise, they share a key and
 * {@link #sameSettingsAs} holds. {@link #toString()} never shows a credential, so a URI can be logged.
 *
 * @param type      the storage type, from the scheme
 * @param host      lower-cased host name or IPv4 address, or RFC 5952 IPv6 address in brackets ("" for a
 *                  local file or device): the spelling of the key and of everything that talks to
 *                  the server
 * @param hostAsWritten the host as the URI wrote it, for a type that mounts: VDSM names the mount
 *                  spec and directory after the host as the engine sent it, so Tether does too
 *                  (docs/connectors.md, "Mount directories"); {@code host} for any other type
 * @param port      the port, or -1 when absent or equal to the type's default
 * @param path      normalised path: export, volume, device, directory, or "/" + IQN for iSCSI
 * @param lun       iSCSI LUN, or null; a LUN lives inside a session and is not part of the key
 * @param params    typed query parameters (version, retrans, timeo, tpgt, iface, vfsType, ...)
 * @param options   mount options in the order given; secret ones keep their value here only
 * @param username  iSCSI CHAP user, or NVMe's DH-HMAC-CHAP host secret (a credential, shown like the
 *                  password), or null
 * @param password  iSCSI CHAP password, or null
 */
public record StorageUri(
        StorageType type,
        String host,
        String hostAsWritten,
        int port,
        String path,
        Integer lun,
        SortedMap<String, String> params,
        List<String> options,
        String username,
        String password) {

    /** Replaces secret values wherever the worker shows a URI. */
    public static final String REDACTED = "***";

    public StorageUri {
        Objects.requireNonNull(type);
        Objects.requireNonNull(host);
        Objects.requireNonNull(hostAsWritten);
        Objects.requireNonNull(path);
        params = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(params));
        options = List.copyOf(options);
    }

    /** The host connection this URI names; shared by every URI that differs only in options or LUN. */
    public ConnectionKey key() {
        return type.definition().key(this);
    }

    /** The port, with the type's default filled in when the URI leaves it out (-1 when there is none). */
    public int portOrDefault() {
        return port == -1 ? type.defaultPort() : port;
    }

    /** True when the URI carries a CHAP secret or a secret mount option. */
    public boolean hasCredentials() {
        return password != null || username != null || options.stream().anyMatch(StorageUri::isSecretOption);
    }

    /**
     * Whether this URI asks the host connection for the same settings as {@code other}: same key,
     * options, protocol parameters and credentials. A LUN is not a setting of the connection.
     */
    public boolean sameSettingsAs(StorageUri other) {
        return key().equals(other.key())
                && params.equals(other.params)
                && options.equals(other.options)
                && Objects.equals(username, other.username)
                && Objects.equals(password, other.password);
    }

    /**
     * The normalised URI without credentials: safe for logs, replies and the database. The host is
     * as written, so the URI read back from the database names the same mount directory.
     */
    @Override
    public String toString() {
        return render(false);
    }

    /** The normalised URI with its credentials, for the encrypted store column only. */
    public String toStringWithCredentials() {
        return render(true);
    }

    /** The fields of the URI an engine may see: everything except credentials. */
    public Map<String, Object> connectionInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("type", type.scheme());
        if (!host.isEmpty()) {
            info.put("host", host);
        }
        if (port != -1) {
            info.put("port", port);
        }
        type.definition().putTarget(this, info);
        params.forEach((k, v) -> info.put(k, v));
        if (!options.isEmpty()) {
            info.put("options", redactedOptions());
        }
        return info;
    }

    /** Mount options with the values of secret options replaced. */
    public List<String> redactedOptions() {
        List<String> shown = new ArrayList<>(options.size());
        for (String option : options) {
            shown.add(isSecretOption(option) ? option.substring(0, option.indexOf('=') + 1) + REDACTED : option);
        }
        return shown;
    }

    /** Options such as {@code password=...} or {@code secret=...} hold credentials. */
    static boolean isSecretOption(String option) {
        int eq = option.indexOf('=');
        return eq >= 0 && io.tether.argv.MountOption.isSecretName(option.substring(0, eq));
    }

    /** {@code scheme://host[:port]/path}: the URI without credentials, LUN, parameters or options. */
    String location() {
        return type.scheme() + "://" + authority(host) + encodePath(path);
    }

    private String authority(String host) {
        return port == -1 ? host : host + ":" + port;
    }

    private String render(boolean withCredentials) {
        StringBuilder sb = new StringBuilder(type.scheme()).append("://");
        if (withCredentials && username != null) {
            sb.append(username);
            if (password != null) {
                sb.append('%').append(password);
            }
            sb.append('@');
        }
        sb.append(authority(hostAsWritten)).append(encodePath(path));
        if (lun != null) {
            sb.append('/').append(lun);
        }
        List<String> query = new ArrayList<>();
        params.forEach((k, v) -> query.add(k + "=" + encode(v)));
        if (!options.isEmpty()) {
            List<String> shown = withCredentials ? options : redactedOptions();
            query.add("options=" + encode(String.join(",", shown)));
        }
        if (!query.isEmpty()) {
            sb.append('?').append(String.join("&", query));
        }
        return sb.toString();
    }

    // The key is rendered on every lookup of a connection: the plain path, the usual one, is
    // returned as it is, without splitting it or building it again.
    private static String encodePath(String path) {
        if (path.equals("/") || path.startsWith("/") && !path.endsWith("/") && isPlain(path, true)) {
            return path;
        }
        return java.util.Arrays.stream(path.substring(1).split("/"))
                .map(StorageUri::encode)
                .collect(java.util.stream.Collectors.joining("/", "/", ""));
    }

    /** Whether {@code s} holds only characters {@link #encode} keeps (and '/', when {@code slashes}). */
    private static boolean isPlain(String s, boolean slashes) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || PLAIN.indexOf(c) >= 0 || slashes && c == '/')) {
                return false;
            }
        }
        return true;
    }

    /** Besides letters and digits, the characters plain in every URI part rendered. */
    private static final String PLAIN = "-._~:,=+!$*'()@";

    /** Percent-encodes everything but the characters that are plain in every URI part we render. */
    static String encode(String s) {
        if (isPlain(s, false)) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || PLAIN.indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }
}
