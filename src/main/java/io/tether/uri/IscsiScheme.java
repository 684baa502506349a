package io.tether.uri;

import io.tether.argv.ChapName;
import io.tether.argv.ChapSecret;
import io.tether.argv.Iqn;
import io.tether.argv.IscsiIface;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code iscsi://[user[%password]@]host[:port]/IQN[/LUN][?tpgt=N&iface=NAME]}: a session of the host's
 * initiator with one target at one portal. The LUN is not part of the key: logging out ends every
 * LUN of the session, so all of them share one connection (docs/connectors.md, "iSCSI").
 */
public final class IscsiScheme implements Scheme {
    private static final Facts FACTS = new Facts("iscsi", 3260, Set.of("tpgt", "iface"), Makes.ISCSI_SESSION, Set.of());

    /**
     * What iscsiadm logs in to.
     *
     * @param iqn   the target name, lower-cased
     * @param host  the portal's host name or address, as the URI writes it
     * @param port  the portal's port, the default filled in
     * @param tpgt  the portal group tag, or null when the URI gives none
     * @param iface the initiator interface, or null when the URI gives none
     */
    public record Target(String iqn, String host, int port, String tpgt, String iface) {
        /** {@code host:port}, as iscsiadm's {@code -p} and libiscsi's URLs take it. */
        public String portal() {
            return host + ":" + port;
        }

        /** The interface iscsiadm is given: open-iscsi's own {@code default} when the URI names none. */
        public String ifaceOrDefault() {
            return iface == null ? "default" : iface;
        }
    }

    /** CHAP credentials are the user info, split at the first {@code %} as libiscsi's URLs do. */
    @Override
    public StorageUri parse(UriParts parts) throws InvalidUriException {
        parts.requireHost();
        String username = null;
        String password = null;
        String userInfo = parts.userInfo();
        if (userInfo != null) {
            int sep = userInfo.indexOf('%');
            username = sep < 0 ? userInfo : userInfo.substring(0, sep);
            password = sep < 0 ? null : userInfo.substring(sep + 1);
            if (username.isEmpty()) {
                throw new InvalidUriException("iscsi user name is empty; the form is iscsi://user%password@host/IQN");
            }
            String name = username;
            UriParts.checked("iscsi user name", () -> new ChapName(name));
            if (password != null) {
                String secret = password;
                try {
                    new ChapSecret(secret);
                } catch (IllegalArgumentException e) {
                    // Its grammar's words only: nothing of the password itself.
                    throw new InvalidUriException("iscsi password", "iscsi password " + e.getMessage());
                }
            }
        }
        TreeMap<String, String> params = new TreeMap<>();
        // The form iscsi://host/IQN;portal=N of docs/protocol.md names the portal group tag.
        String path = parts.rawPath();
        int semi = path.indexOf(';');
        if (semi >= 0) {
            String matrix = path.substring(semi + 1);
            path = path.substring(0, semi);
            if (!matrix.startsWith("portal=")) {
                throw new InvalidUriException("iscsi path parameter must be ;portal=N (the portal group tag)");
            }
            params.put("tpgt", Integer.toString(UriParser.positiveInt("portal", matrix.substring(7), 0, 65535)));
        }
        String[] segments = path.replaceAll("^/+|/+$", "").split("/+");
        if (segments.length < 1 || segments[0].isEmpty() || segments.length > 2) {
            throw new InvalidUriException("iscsi uri must be iscsi://host[:port]/IQN[/LUN]");
        }
        String iqn = UriParser.decode(segments[0], "target name").toLowerCase(Locale.ROOT);
        if (!Iqn.GRAMMAR.matcher(iqn).matches()) {
            throw new InvalidUriException("iscsi target name must be an iqn., eui. or naa. name");
        }
        UriParts.checked("iscsi target name", () -> new Iqn(iqn));
        Integer lun = segments.length == 2 ? UriParser.positiveInt("LUN", segments[1], 0, 16383) : null;
        String tpgt = parts.param("tpgt");
        if (tpgt != null) {
            String value = Integer.toString(UriParser.positiveInt("tpgt", tpgt, 0, 65535));
            if (params.containsKey("tpgt") && !params.get("tpgt").equals(value)) {
                throw new InvalidUriException("iscsi ;portal= and tpgt= disagree");
            }
            params.put("tpgt", value);
        }
        String iface = parts.param("iface");
        if (iface != null) {
            UriParts.checked("iscsi iface", () -> new IscsiIface(iface));
            params.put("iface", iface);
        }
        return new StorageUri(parts.type(), parts.host(), parts.host(), parts.port(), "/" + iqn, lun, params, List.of(), username, password);
    }

    /** The target name, the LUN, and {@code auth: "chap"} (never the credentials) when it has them. */
    @Override
    public void putTarget(StorageUri uri, Map<String, Object> info) {
        info.put("iqn", uri.path().substring(1));
        if (uri.lun() != null) {
            info.put("lun", uri.lun());
        }
        if (uri.username() != null || uri.password() != null) {
            info.put("auth", "chap");
        }
    }

    /** What iscsiadm logs in to for {@code uri}, an {@code iscsi://} URI. */
    public static Target target(StorageUri uri) {
        return new Target(uri.path().substring(1), uri.host(), uri.portOrDefault(),
                uri.params().get("tpgt"), uri.params().get("iface"));
    }

    /**
     * The key a managed connection would have for a host session with {@code iqn} at portal
     * {@code address:port} (sysfs's fields); empty when no URI names it.
     */
    public static Optional<ConnectionKey> keyOfSession(String address, int port, String iqn) {
        String host = address.contains(":") ? "[" + address + "]" : address;
        try {
            return Optional.of(UriParser.parse("iscsi://" + host + ":" + port + "/" + iqn).key());
        } catch (InvalidUriException e) {
            return Optional.empty();
        }
    }

    @Override
    public Facts facts() {
        return FACTS;
    }
}
