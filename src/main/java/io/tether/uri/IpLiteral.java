package io.tether.uri;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * IP address literals written one way each, so that one server is one connection key, one mount
 * spec and one mount directory however a URI spells its address. IPv6 as RFC 5952 writes it: lower
 * case, no leading zeros, the longest run of two or more zero groups as {@code ::} (the first of
 * equal runs), an IPv4-mapped address with its dotted tail ({@code ::ffff:192.0.2.1}). IPv4 as four
 * decimal numbers without leading zeros. Text only: nothing here looks a name up.
 */
public final class IpLiteral {
    private static final String HEX = "0123456789abcdefABCDEF";

    private IpLiteral() {
    }

    /**
     * The canonical text of {@code text}, an IPv6 address as RFC 4291 writes it (no brackets); an
     * error starting with {@code what} when it is not one. An IPv4 address is refused (a URI writes
     * it without brackets), and so is a zone id ({@code fe80::1%eth0}): a zone names an interface of
     * one host, which a connection key shared across hosts cannot carry.
     */
    public static String ipv6(String text, String what) throws InvalidUriException {
        return format(parseIpv6(text, what));
    }

    /**
     * Checks a host name that ends in a number ({@link #endsInNumber}): it must be an IPv4 address
     * written as four decimal numbers from 0 to 255 without leading zeros. The resolvers the mount
     * helpers and iSCSI tools use (inet_aton) also take {@code 127.1}, {@code 0x7f.0.0.1} and
     * {@code 010.0.0.1} (octal: 8.0.0.1), so such a spelling would be one more key for a server, or
     * another server than a reader of the URI expects.
     */
    static void checkIpv4(String host, String what) throws InvalidUriException {
        if (parseIpv4(host) == null) {
            throw new InvalidUriException(what + " is not a valid IPv4 address: write four decimal numbers from 0 to"
                    + " 255 without leading zeros (192.0.2.10)");
        }
    }

    /**
     * Whether a host name is meant as an IPv4 address: its last label is a number (decimal, or hex
     * with {@code 0x}), which no DNS name has (RFC 3696 section 2) and inet_aton reads as one.
     */
    static boolean endsInNumber(String host) {
        String last = host.substring(host.lastIndexOf('.') + 1);
        if (last.startsWith("0x")) {
            return last.substring(2).chars().allMatch(c -> HEX.indexOf(c) >= 0);
        }
        return !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * The canonical text of an address as a host tool or the kernel prints it ({@code 192.0.2.10},
     * {@code 0:0:0:0:0:0:0:1}, no brackets, no zone); empty when it is not an IP address.
     */
    public static Optional<String> canonical(String address) {
        byte[] v4 = parseIpv4(address);
        if (v4 != null) {
            return Optional.of(format(v4));
        }
        try {
            return Optional.of(ipv6(address, "address"));
        } catch (InvalidUriException e) {
            return Optional.empty();
        }
    }

    /** The canonical text of a 4-byte IPv4 or 16-byte IPv6 address, without brackets. */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return dotted(address, 0);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        boolean mapped = true;
        for (int i = 0; i < 12; i++) {
            mapped &= (address[i] & 0xff) == (i < 10 ? 0 : 0xff);
        }
        if (mapped) {
            return "::ffff:" + dotted(address, 12);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xff) << 8 | address[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is written as 0, never as ::
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static byte[] parseIpv6(String text, String what) throws InvalidUriException {
        String invalid = what + " is not a valid IPv6 address: ";
        if (text.indexOf('%') >= 0) {
            throw new InvalidUriException(what + " has an IPv6 zone id ('%...'), which Tether does not take:"
                    + " use a global or unique local address");
        }
        if (text.isEmpty()) {
            throw new InvalidUriException(invalid + "it is empty");
        }
        if (!text.chars().allMatch(c -> HEX.indexOf(c) >= 0 || c == ':' || c == '.')) {
            throw new InvalidUriException(invalid + "it may hold only hex digits, ':' and a dotted IPv4 tail");
        }
        if (text.indexOf(':') < 0 && text.indexOf('.') >= 0) {
            throw new InvalidUriException(what + " is an IPv4 address in brackets: write IPv4 addresses without them");
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            throw new InvalidUriException(invalid + "'::' may stand for zero groups only once");
        }
        List<Integer> head = groups(gap < 0 ? text : text.substring(0, gap), gap < 0, invalid);
        List<Integer> tail = gap < 0 ? List.of() : groups(text.substring(gap + 2), true, invalid);
        int count = head.size() + tail.size();
        if (gap < 0 && count != 8) {
            throw new InvalidUriException(invalid + "it has " + count + " groups of 16 bits, not 8");
        }
        if (gap >= 0 && count > 7) {
            throw new InvalidUriException(invalid + "it has too many groups of 16 bits for '::'");
        }
        byte[] address = new byte[16];
        put(address, 0, head);
        put(address, 8 - tail.size(), tail);
        return address;
    }

    /** The 16-bit groups of {@code part} ("" has none); a dotted IPv4 tail, where allowed, is two. */
    private static List<Integer> groups(String part, boolean dottedTail, String invalid) throws InvalidUriException {
        List<Integer> groups = new ArrayList<>();
        if (part.isEmpty()) {
            return groups;
        }
        String[] pieces = part.split(":", -1);
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i];
            if (piece.indexOf('.') >= 0) {
                byte[] v4 = dottedTail && i == pieces.length - 1 ? parseIpv4(piece) : null;
                if (v4 == null) {
                    throw new InvalidUriException(invalid + "only its last 32 bits may be written as an IPv4"
                            + " address, as four decimal numbers from 0 to 255");
                }
                groups.add((v4[0] & 0xff) << 8 | v4[1] & 0xff);
                groups.add((v4[2] & 0xff) << 8 | v4[3] & 0xff);
            } else if (piece.isEmpty() || piece.length() > 4) {
                throw new InvalidUriException(invalid + "each group between ':' has 1 to 4 hex digits");
            } else {
                groups.add(Integer.parseInt(piece, 16));
            }
        }
        return groups;
    }

    private static void put(byte[] address, int group, List<Integer> groups) {
        for (int value : groups) {
            address[2 * group] = (byte) (value >> 8);
            address[2 * group + 1] = (byte) value;
            group++;
        }
    }

    /**
     * The IPv4 address inet_aton(3) reads in {@code text}, as four dotted decimal numbers: one to
     * four parts, each decimal, octal (a leading {@code 0}) or hex ({@code 0x}), the last filling
     * the bytes left ({@code 127.1} is {@code 127.0.0.1}, {@code 0177.0.0.1} and
     * {@code 0x7f.0.0.1} too). This is the address the host's tools connect to for such a
     * spelling, which {@link #checkIpv4} refuses; empty when inet_aton would refuse it too.
     */
    public static Optional<String> inetAton(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length > 4) {
            return Optional.empty();
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].toLowerCase(Locale.ROOT);
            int radix = 10;
            if (p.startsWith("0x")) {
                radix = 16;
                p = p.substring(2);
            } else if (p.length() > 1 && p.startsWith("0")) {
                radix = 8;
                p = p.substring(1);
            }
            // A part with no digit ("", or "0x" alone) is refused: no guess at what was meant.
            if (p.isEmpty() || p.length() > 11) {
                return Optional.empty();
            }
            long value = 0;
            for (char c : p.toCharArray()) {
                int digit = Character.digit(c, radix);
                if (digit < 0 || c > 'f') {
                    return Optional.empty();
                }
                value = value * radix + digit;
            }
            values[i] = value;
        }
        long address = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 0xff) {
                return Optional.empty();
            }
            address |= values[i] << (24 - 8 * i);
        }
        long last = values[values.length - 1];
        if (last >= 1L << (32 - 8 * (values.length - 1))) {
            return Optional.empty();
        }
        address |= last;
        byte[] bytes = {(byte) (address >> 24), (byte) (address >> 16), (byte) (address >> 8), (byte) address};
        return Optional.of(dotted(bytes, 0));
    }

    /** Four decimal numbers from 0 to 255 without leading zeros, or null. */
    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')
                    || !p.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(p) > 255) {
                return null;
            }
            address[i] = (byte) Integer.parseInt(p);
        }
        return address;
    }

    private static String dotted(byte[] address, int from) {
        return (address[from] & 0xff) + "." + (address[from + 1] & 0xff) + "." + (address[from + 2] & 0xff) + "."
                + (address[from + 3] & 0xff);
    }
}
