package io.tether.argv;

import java.util.regex.Pattern;

/**
 * A server as a host program takes it: a host name or IPv4 address (letters, digits, '_' and '-'
 * in labels separated by '.'), or an IPv6 address in brackets. The URI parser has checked more
 * (an IPv4 address is four decimal numbers, an IPv6 one is valid); this is what may reach a
 * program's argument list, in either case: the URI's spelling names the mount spec, as VDSM's does.
 */
public record Host(String text) {
    private static final Pattern NAME = Pattern.compile(
            "[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]{2,45}]");

    public Host {
        if (text == null || text.length() > 253 || !(NAME.matcher(text).matches() || IPV6.matcher(text).matches())) {
            throw new IllegalArgumentException("is not a host name, IPv4 address or IPv6 address in brackets");
        }
    }

    /** Whether this is an IPv6 address in brackets. */
    public boolean isIpv6() {
        return text.startsWith("[");
    }
}
