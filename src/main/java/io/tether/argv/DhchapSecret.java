package io.tether.argv;

import java.util.regex.Pattern;

/**
 * An NVMe DH-HMAC-CHAP secret in its transport form ({@code DHHC-1:HH:BASE64:}, as
 * {@code nvme gen-dhchap-key} prints it): {@code HH} names the hash the key was transformed with
 * ({@code 00} none, {@code 01}-{@code 03} SHA-256/384/512), the base64 holds a 32, 48 or 64 byte
 * key and its CRC-32. Not an {@link Arg}, so that it cannot be put on a command line, where every
 * local user reads it in {@code /proc/PID/cmdline}: nvme-cli gets it in a configuration file only
 * the worker can read (docs/connectors.md, "Secrets"). Shown as {@code ***}.
 */
public record DhchapSecret(String text) {
    private static final Pattern GRAMMAR = Pattern.compile("DHHC-1:0[0-3]:[A-Za-z0-9+/]{46,92}={0,2}:");

    public DhchapSecret {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            // Never quotes the text: it is a secret.
            throw new IllegalArgumentException("is not a DH-HMAC-CHAP secret (DHHC-1:0N:BASE64: of a 32, 48 or 64 byte key"
                    + " and its CRC-32, as nvme gen-dhchap-key prints it)");
        }
    }

    @Override
    public String toString() {
        return "DhchapSecret[***]";
    }
}
