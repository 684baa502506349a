package io.tether.uri;

import io.tether.argv.DhchapSecret;
import io.tether.argv.HostId;
import io.tether.argv.Nqn;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code nvme+tcp://[SECRET@]host[:port]/SUBSYSTEM-NQN[?hostnqn=..&hostid=..&ctrl-loss-tmo=N&reconnect-delay=N&nr-io-queues=N]}:
 * an NVMe over TCP controller of the host's, connected to one subsystem at one port (4420 unless
 * given). The user info, when there is one, is the host's DH-HMAC-CHAP secret
 * ({@code DHHC-1:HH:BASE64:}, its {@code /} written {@code %2F}); it is a credential like an iSCSI
 * CHAP password: redacted wherever the URI is shown and encrypted in the store. The parameters are
 * the connect options that make sense per connection; any other connect option is the host's
 * (docs/connectors.md, "NVMe over TCP").
 */
public final class NvmeScheme implements Scheme {
    /** The host NQN and host id to connect as, instead of the host's own (/etc/nvme). */
    public static final String HOST_NQN = "hostnqn";
    public static final String HOST_ID = "hostid";
    /** How long the kernel goes on reconnecting a lost controller before it deletes it, in seconds. */
    public static final String CTRL_LOSS_TMO = "ctrl-loss-tmo";
    /** Seconds between the kernel's reconnect attempts. */
    public static final String RECONNECT_DELAY = "reconnect-delay";
    /** How many I/O queues to ask for. */
    public static final String NR_IO_QUEUES = "nr-io-queues";

    private static final Facts FACTS = new Facts("nvme+tcp", 4420,
            Set.of(HOST_NQN, HOST_ID, CTRL_LOSS_TMO, RECONNECT_DELAY, NR_IO_QUEUES), Makes.NVME_CONTROLLER, Set.of());

    /**
     * What {@code nvme connect} connects to, and with what.
     *
     * @param nqn       the subsystem's NQN
     * @param host      the target's host name or address as the URI writes it (an IPv6 one in brackets)
     * @param port      the port, the default filled in
     * @param secret    the host's DH-HMAC-CHAP secret, when the URI gives one
     * @param settings  the URI's parameters, checked: {@link #HOST_NQN}, {@link #CTRL_LOSS_TMO}, ...
     */
    public record Target(String nqn, String host, int port, Optional<DhchapSecret> secret, Map<String, String> settings) {
        public Target {
            settings = Map.copyOf(settings);
        }

        /** The port as sysfs and the kernel name it: {@code trsvcid}. */
        public String trsvcid() {
            return Integer.toString(port);
        }
    }

    @Override
    public StorageUri parse(UriParts parts) throws InvalidUriException {
        parts.requireHost();
        String secret = null;
        if (parts.userInfo() != null) {
            String decoded = UriParser.decode(parts.userInfo(), "DH-HMAC-CHAP secret");
            try {
                new DhchapSecret(decoded);
            } catch (IllegalArgumentException e) {
                // The grammar's words only: nothing of the secret itself.
                throw new InvalidUriException("DH-HMAC-CHAP secret", "nvme+tcp user info must be the host's DH-HMAC-CHAP"
                        + " secret: it " + e.getMessage());
            }
            // One spelling, so that the stored URI parses back to the same one: '/' escaped, the rest plain.
            secret = StorageUri.encode(decoded);
        }
        String[] segments = parts.rawPath().replaceAll("^/+|/+$", "").split("/+");
        if (segments.length != 1 || segments[0].isEmpty()) {
            throw new InvalidUriException("nvme+tcp uri must be nvme+tcp://host[:port]/SUBSYSTEM-NQN");
        }
        String nqn = UriParser.decode(segments[0], "subsystem NQN");
        UriParts.checked("subsystem NQN", () -> new Nqn(nqn));
        if (nqn.equals(Nqn.DISCOVERY)) {
            throw new InvalidUriException("nvme+tcp uri names the discovery subsystem, which serves no namespace; name the"
                    + " subsystem's own NQN");
        }
        TreeMap<String, String> params = new TreeMap<>();
        String hostNqn = parts.param(HOST_NQN);
        if (hostNqn != null) {
            params.put(HOST_NQN, UriParts.checked(HOST_NQN, () -> new Nqn(hostNqn)).text());
        }
        String hostId = parts.param(HOST_ID);
        if (hostId != null) {
            params.put(HOST_ID, UriParts.checked(HOST_ID, () -> HostId.of(hostId)).text());
        }
        number(parts, params, CTRL_LOSS_TMO, 0, 604_800);
        number(parts, params, RECONNECT_DELAY, 1, 3_600);
        number(parts, params, NR_IO_QUEUES, 1, 1_024);
        return new StorageUri(parts.type(), parts.host(), parts.host(), parts.port(), "/" + nqn, null, params, List.of(),
                secret, null);
    }

    private static void number(UriParts parts, Map<String, String> params, String name, int min, int max)
            throws InvalidUriException {
        String value = parts.param(name);
        if (value != null) {
            params.put(name, Integer.toString(UriParser.positiveInt(name, value, min, max)));
        }
    }

    /** The subsystem's NQN, and {@code auth: "dhchap"} (never the secret) when the URI has one. */
    @Override
    public void putTarget(StorageUri uri, Map<String, Object> info) {
        info.put("nqn", uri.path().substring(1));
        if (uri.username() != null) {
            info.put("auth", "dhchap");
        }
    }

    /** What {@code nvme connect} is given for {@code uri}, an {@code nvme+tcp://} URI. */
    public static Target target(StorageUri uri) {
        Optional<DhchapSecret> secret = Optional.empty();
        if (uri.username() != null) {
            try {
                secret = Optional.of(new DhchapSecret(UriParser.decode(uri.username(), "DH-HMAC-CHAP secret")));
            } catch (InvalidUriException e) {
                // parse wrote it in one spelling that decodes: a URI made otherwise has no usable secret.
                throw new IllegalArgumentException("DH-HMAC-CHAP secret " + e.getMessage());
            }
        }
        return new Target(uri.path().substring(1), uri.host(), uri.portOrDefault(), secret, uri.params());
    }

    /**
     * The key a managed connection would have for a host controller of subsystem {@code nqn} at
     * {@code address:port} (sysfs's fields); empty when no URI names it.
     */
    public static Optional<ConnectionKey> keyOfController(String address, int port, String nqn) {
        String host = address.contains(":") ? "[" + address + "]" : address;
        try {
            return Optional.of(UriParser.parse(FACTS.name() + "://" + host + ":" + port + "/" + nqn).key());
        } catch (InvalidUriException e) {
            return Optional.empty();
        }
    }

    @Override
    public Facts facts() {
        return FACTS;
    }
}
