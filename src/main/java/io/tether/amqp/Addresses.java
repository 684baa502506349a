package io.tether.amqp;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The address names of the wire contract. */
public final class Addresses {
    /** hostId: 1-64 of [A-Za-z0-9_-]; '.', '*' and '#' would be address syntax. */
    private static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The wildcard topic that receives every host's status events. */
    public static final String ALL_STATUS = "tether.host.*.status";
    public static final String DEAD_LETTERS = "DLQ";
    /** The application property of every status event that holds the address it was published on. */
    public static final String STATUS_ADDRESS_PROPERTY = "statusAddress";
    /**
     * The selector under which the broker delivers only the events published on the address they
     * name in {@value #STATUS_ADDRESS_PROPERTY}: {@code AMQAddress} is the address Artemis routed the
     * message to, which only that host's worker may send to. What a message says of itself
     * (its body, its AMQP {@code to}) any sender chooses; this the broker checks.
     */
    public static final String OWN_ADDRESS_SELECTOR = "AMQAddress = " + STATUS_ADDRESS_PROPERTY;
    private static final Pattern STATUS = Pattern.compile("tether\\.host\\.([A-Za-z0-9_-]{1,64})\\.status");

    private Addresses() {
    }

    public static String requests(String hostId) {
        return "tether.host." + checkHostId(hostId) + ".requests";
    }

    public static String status(String hostId) {
        return "tether.host." + checkHostId(hostId) + ".status";
    }

    /** The host whose status address {@code address} is, or empty if it is not one (null included). */
    public static Optional<String> hostOfStatus(String address) {
        Matcher m = address == null ? null : STATUS.matcher(address);
        return m != null && m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Returns {@code hostId}, or throws IllegalArgumentException naming it if it is not a valid one. */
    public static String checkHostId(String hostId) {
        if (!HOST_ID.matcher(hostId).matches()) {
            throw new IllegalArgumentException("host id \"" + hostId + "\" is not one: it must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'");
        }
        return hostId;
    }

    /** Turns a host name into a valid host id: short name, other characters replaced by '-'. */
    public static String sanitise(String hostname) {
        String shortName = hostname.split("\\.", 2)[0].replaceAll("[^A-Za-z0-9_-]", "-");
        if (shortName.isEmpty()) {
            return "localhost";
        }
        return shortName.length() > 64 ? shortName.substring(0, 64) : shortName;
    }
}
