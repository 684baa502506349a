package io.tether.argv;

import java.util.regex.Pattern;

/**
 * An IP address as a transport address ({@code nvme connect --traddr=}): IPv4 dotted, or IPv6
 * without brackets. A host name is resolved before it becomes one: the NVMe/TCP host driver takes
 * addresses only.
 */
public record Address(String text) implements Arg {
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    public Address {
        if (text == null || !(IPV4.matcher(text).matches() || (text.contains(":") && IPV6.matcher(text).matches()))) {
            throw new IllegalArgumentException("is not an IPv4 or IPv6 address");
        }
    }
}
