package io.tether.argv;

import java.util.regex.Pattern;

/**
 * An iSCSI name (RFC 3720), lower-cased: {@code iqn.YYYY-MM.reversed.domain[:anything]},
 * {@code eui.} and 16 hex digits, or {@code naa.} and 16 or 32; at most 223 bytes.
 */
public record Iqn(String text) implements Arg {
    public static final Pattern GRAMMAR = Pattern.compile(
            "iqn\\.\\d{4}-\\d{2}\\.[a-z0-9][a-z0-9.:_-]*|eui\\.[0-9a-f]{16}|naa\\.[0-9a-f]{16}([0-9a-f]{16})?");

    public Iqn {
        if (text == null || text.length() > 223 || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not an iqn., eui. or naa. name (lower case, at most 223 characters)");
        }
    }
}
