package io.tether.uri;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses and normalises the storage URIs of the wire contract (docs/protocol.md section 6). Strict on
 * purpose: an unknown parameter is an error that names the allowed ones, so a typo never becomes a
 * silently different mount. Error messages never repeat the user-info part of a URI, and leave out
 * every piece of a URI that may hold a secret ({@link #maySecret}), keeping what they say about it.
 * A part that a host program will get is made here as the checked part it becomes
 * ({@link io.tether.argv.Arg}), so a URI that breaks that part's grammar is refused now, naming it.
 *
 * <p>This class does what is the same for every type (syntax, host and port, percent-decoding,
 * parameter names, length limits) and hands the parts to the type's {@link Scheme}.
 */
public final class UriParser {

    /**
     * A host name (lower-cased): labels of letters, digits, '-' inside and '_' anywhere, as the
     * resolvers, mount.nfs and VDSM take them (DNS itself refuses '_', but NetBIOS-style names such
     * as {@code my_nas} are in use); IPv4 addresses are host names here, checked further by {@link #host}.
     */
    static final Pattern HOST = Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");
    /** The longest URI accepted, in characters (also the schemas' maxLength of {@code uri}). */
    public static final int MAX_URI = 4096;
    /** The schemes an error message offers. */
    private static final String SCHEMES = Arrays.stream(StorageType.values()).map(StorageType::scheme)
            .collect(Collectors.joining(", "));
    /** How much of a host or parameter name an error message quotes. */
    private static final int QUOTED = 64;

    private UriParser() {
    }

    /** Parses {@code raw}; the result's {@link StorageUri#toString()} is the normalised form. */
    public static StorageUri parse(String raw) throws InvalidUriException {
        try {
            return parseUnchecked(raw);
        } catch (InvalidUriException e) {
            if (raw != null && maySecret(raw)) {
                // A misplaced character ('&', '?' or '/' in a password, say) moves the part
                // boundaries, so a quoted host or parameter name may be a piece of the secret: the
                // pieces of the URI are left out, what the message says about them stays.
                throw e.hidingQuotedInput(HIDDEN);
            }
            throw e;
        }
    }

    /** What stands in an error for a piece of a URI that may hold a secret. */
    static final String HIDDEN = "(not shown: the uri may hold a secret)";

    /**
     * Whether {@code raw} may carry a CHAP password (user info) or a secret mount option, however
     * it is spelt: in any case, and percent-encoded (once, or more: {@code %2570assword} is one
     * decoding away from {@code %70assword}).
     */
    public static boolean maySecret(String raw) {
        String text = raw;
        for (int round = 0; round < 4; round++) {
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.indexOf('@') >= 0 || lower.contains("pass") || lower.contains("secret")) {
                return true;
            }
            String decoded = decodeLeniently(text);
            if (decoded.equals(text)) {
                return false;
            }
            text = decoded;
        }
        return true;
    }

    /** Each well-formed {@code %XX} as the character of that byte; the rest as it is. */
    private static String decodeLeniently(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hi = c == '%' && i + 2 < s.length() ? hexDigit(s.charAt(i + 1)) : -1;
            int lo = hi >= 0 ? hexDigit(s.charAt(i + 2)) : -1;
            if (lo >= 0) {
                sb.append((char) (hi << 4 | lo));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * {@code input}, a piece of the URI, quoted for an error message: cut short, its control and
     * format characters escaped (a newline as backslash-n, U+202E as backslash-u202E) so that it
     * cannot split or disguise a log line, and marked, so that it can be left out when the URI may
     * hold a secret.
     */
    static String quote(String input) {
        StringBuilder sb = new StringBuilder().append(InvalidUriException.QUOTE_START).append('\'');
        Text.shorten(input, QUOTED).codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (c == '\n') {
                sb.append("\\n");
            } else if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                sb.append(String.format("\\u%04X", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append('\'').append(InvalidUriException.QUOTE_END).toString();
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
            throw new InvalidUriException("uri must look like scheme://...; schemes: " + SCHEMES);
        }
        String scheme = raw.substring(0, schemeEnd);
        StorageType type = StorageType.ofScheme(scheme).orElseThrow(() -> new InvalidUriException(
                "scheme " + quote(scheme) + " is not supported; use one of " + SCHEMES));
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
        String[] hostPort = splitHostPort(authority);
        String host = hostPort[0].isEmpty() ? "" : host(hostPort[0], "host");
        if (!host.isEmpty()) {
            UriParts.checked("host", () -> new io.tether.argv.Host(hostPort[0]));
        }
        int port = parsePort(hostPort[1], type);
        return type.definition().parse(new UriParts(type, host, hostPort[0], port, rawPath, userInfo,
                parseQuery(query, type)));
    }

    private static String[] splitHostPort(String authority) throws InvalidUriException {
        String host = authority;
        String port = "";
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new InvalidUriException("IPv6 host is missing ']'");
            }
            host = authority.substring(0, close + 1);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new InvalidUriException("unexpected text after IPv6 host");
                }
                port = after.substring(1);
            }
        } else {
            int colon = authority.indexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                port = authority.substring(colon + 1);
            }
        }
        return new String[] {host, port};
    }

    /**
     * {@code raw}, a host as a URI writes it, in its one spelling: a name lower-cased (an IPv4
     * address is a name here, checked as four decimal numbers), an IPv6 address in brackets as
     * RFC 5952 writes it ({@link IpLiteral}); an error naming {@code what} when it is neither.
     */
    static String host(String raw, String what) throws InvalidUriException {
        // Quoted only where it can be needed: this runs for every line of the mount table a probe reads.
        if (raw.startsWith("[") && raw.endsWith("]")) {
            return "[" + IpLiteral.ipv6(raw.substring(1, raw.length() - 1), what + " " + quote(raw)) + "]";
        }
        String host = raw.toLowerCase(Locale.ROOT);
        if (!HOST.matcher(host).matches()) {
            throw new InvalidUriException(what + " " + quote(raw) + " is not a valid host name or address");
        }
        if (IpLiteral.endsInNumber(host)) {
            IpLiteral.checkIpv4(host, what + " " + quote(raw));
        }
        return host;
    }

    /**
     * {@code raw}, a host as a URI or a mount spec writes it ({@code [2001:DB8::1]}, {@code Filer}),
     * in its one spelling ({@link #host}); empty when it is no valid host.
     */
    public static Optional<String> canonicalHost(String raw) {
        try {
            return Optional.of(host(raw, "host"));
        } catch (InvalidUriException e) {
            return Optional.empty();
        }
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
        Set<String> allowed = type.definition().facts().parameters();
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidUriException("uri parameter must be name=value");
            }
            String name = decode(pair.substring(0, eq), "parameter name");
            if (!allowed.contains(name)) {
                throw new InvalidUriException(type.scheme() + " uri does not take parameter " + quote(name)
                        + (allowed.isEmpty() ? "" : "; allowed: " + String.join(", ", allowed.stream().sorted().toList())));
            }
            if (params.put(name, decode(pair.substring(eq + 1), "parameter " + name)) != null) {
                throw new InvalidUriException("uri parameter '" + name + "' is given twice");
            }
        }
        return params;
    }

    /**
     * Like Python's os.path.normpath for absolute paths, as VDSM normalises mount specs, so that
     * {@code /foo/} and {@code /foo} are one mount (docs/connectors.md, "Mount directories").
     */
    static String normalisePath(String rawPath, String what) throws InvalidUriException {
        if (rawPath.isEmpty() || rawPath.equals("/")) {
            return "/";
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String segment : rawPath.split("/")) {
            String s = decode(segment, what);
            if (s.indexOf('/') >= 0 || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new InvalidUriException(what, what + " must not hold an encoded '/' or control characters");
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

    /** {@code value} as a whole number from {@code min} to {@code max}: digits only, no sign or spaces. */
    static int positiveInt(String name, String value, int min, int max) throws InvalidUriException {
        try {
            // ASCII digits only: Character.isDigit and Integer.parseInt also read other scripts' digits.
            if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
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
            int hi = i + 2 < s.length() ? hexDigit(s.charAt(i + 1)) : -1;
            int lo = i + 2 < s.length() ? hexDigit(s.charAt(i + 2)) : -1;
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

    /**
     * The value of an ASCII hex digit, or -1: an escape is {@code %} and two of them (RFC 3986).
     * Character.digit alone would also read other scripts' digits and the full-width letters.
     */
    private static int hexDigit(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }
}
