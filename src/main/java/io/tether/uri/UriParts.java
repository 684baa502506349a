package io.tether.uri;

import io.tether.argv.MountOption;
import io.tether.argv.RelativePath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A storage URI cut into the parts every type has, checked as far as that is the same for every
 * type (URI syntax, host name, port range, parameter names the type takes, each given once). Its
 * {@link Scheme} checks and normalises the rest, with the helpers here.
 *
 * @param type     the storage type, from the scheme
 * @param host     the host in its one spelling ({@link UriParser#host}): a lower-cased name or IPv4
 *                 address, or an RFC 5952 IPv6 address in brackets; "" when there is none
 * @param hostAsWritten the same host as the URI writes it (an IPv6 address in its brackets), which
 *                 a mounted type names its mount directory after, as VDSM does
 * @param port     the port, or -1 when absent or the type's default
 * @param rawPath  the path as written, still percent-encoded, with any {@code ;name=value} part
 * @param userInfo the text before {@code @}, as written, or null
 * @param query    the query parameters, percent-decoded
 */
public record UriParts(StorageType type, String host, String hostAsWritten, int port, String rawPath,
        String userInfo, Map<String, String> query) {

    /** The URI parameter of every mounted type that names a file for the probe to read. */
    public static final String READ_CHECK = "readCheck";

    public UriParts {
        query = Map.copyOf(query);
    }

    /**
     * {@code part}, one of the checked parts of a host program's argument list
     * ({@link io.tether.argv.Arg}), made from this URI; when it breaks its grammar, the URI is
     * refused naming {@code component} (docs/connectors.md, "What reaches a host program").
     */
    public static <T> T checked(String component, Supplier<T> part) throws InvalidUriException {
        try {
            return part.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidUriException(component, component + " " + e.getMessage());
        }
    }

    /** The value of parameter {@code name}, or null when the URI does not give it. */
    public String param(String name) {
        return query.get(name);
    }

    /** The path, percent-decoded and normalised like VDSM's ({@link UriParser#normalisePath}). */
    public String path(String what) throws InvalidUriException {
        return UriParser.normalisePath(rawPath, what);
    }

    /**
     * The path of a URI that names something a server exports, normalised: such a URI needs a host,
     * and takes no user info (secrets go in mount options, where they are redacted).
     */
    public String serverPath(String what) throws InvalidUriException {
        refuseUserInfo();
        requireHost();
        return path(what);
    }

    /** Refuses a URI without a host: {@code nfs:///export}. */
    public void requireHost() throws InvalidUriException {
        if (host.isEmpty()) {
            throw new InvalidUriException(type.scheme() + " uri needs a host: " + type.scheme() + "://host/...");
        }
    }

    /** Refuses {@code user@} for a type whose secrets go in mount options, where they are redacted. */
    public void refuseUserInfo() throws InvalidUriException {
        if (userInfo != null) {
            throw new InvalidUriException(type.scheme() + " uri takes no user or password before '@'"
                    + "; pass secrets as mount options");
        }
    }

    /**
     * The URI of a type that mounts: these parts with {@code path} and the type's checked
     * {@code params}, and the {@code options} parameter as its option list.
     */
    public StorageUri mountUri(String path, Map<String, String> params) throws InvalidUriException {
        TreeMap<String, String> all = new TreeMap<>(params);
        String readCheck = readCheck();
        if (readCheck != null) {
            all.put(READ_CHECK, readCheck);
        }
        return new StorageUri(type, host, hostAsWritten, port, path, null, all, options(), null, null);
    }

    /**
     * The {@code readCheck} parameter: a file below the mount point whose first block each probe
     * reads with direct I/O. Relative, normalised, and never leaving the mount ({@code ..}).
     */
    private String readCheck() throws InvalidUriException {
        String value = query.get(READ_CHECK);
        if (value == null) {
            return null;
        }
        List<String> segments = new ArrayList<>();
        for (String segment : value.split("/")) {
            if (segment.equals("..") || segment.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                segments.clear();
                break;
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        String normal = String.join("/", segments);
        if (value.startsWith("/") || normal.isEmpty()) {
            throw new InvalidUriException("readCheck must be a file's path relative to the mount point, without '..'");
        }
        return checked(READ_CHECK, () -> new RelativePath(normal)).text();
    }

    /**
     * The {@code options} parameter as a list, in the order given; empty when there is none. Each is
     * a {@link MountOption}: a name, and a value of what mount's helpers take as one word (its
     * message counts the options rather than quote one, which may be a piece of a password).
     */
    public List<String> options() throws InvalidUriException {
        String options = query.get("options");
        if (options == null) {
            return List.of();
        }
        String[] given = options.split(",", -1);
        List<String> list = new ArrayList<>();
        for (int i = 0; i < given.length; i++) {
            String option = given[i];
            if (option.isEmpty() || option.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                throw new InvalidUriException("options", "options must be a comma-separated list of mount options without spaces");
            }
            checked("options", "mount option " + (i + 1) + " of " + given.length, () -> MountOption.parse(option));
            list.add(option);
        }
        return list;
    }

    /** {@link #checked(String, Supplier)}, the message naming the part as {@code shown}. */
    private static <T> T checked(String component, String shown, Supplier<T> part) throws InvalidUriException {
        try {
            return part.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidUriException(component, shown + " " + e.getMessage());
        }
    }
}
