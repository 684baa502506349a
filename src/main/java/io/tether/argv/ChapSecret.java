package io.tether.argv;

/**
 * A CHAP password, for {@code iscsiadm ... -n node.session.auth.password -v SECRET}: iscsiadm
 * takes it no other way (docs/connectors.md, "Secrets"). At most 255 bytes, no whitespace, control
 * or format character; shown as {@code ***}. It may start with '-': it is {@code -v}'s required
 * value, which getopt takes whatever it is.
 */
public record ChapSecret(String text) implements Arg {
    public ChapSecret {
        if (text == null || text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("is longer than 255 bytes");
        }
        text.codePoints().forEach(c -> {
            if (Grammar.isSpace(c) || Grammar.isControlOrFormat(c)) {
                throw new IllegalArgumentException("holds whitespace or a control character");
            }
        });
    }

    @Override
    public String shown() {
        return "***";
    }

    @Override
    public String toString() {
        return "ChapSecret[***]";
    }
}
