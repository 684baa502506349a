package io.tether.argv;

/**
 * A CHAP user name: 1 to 255 ASCII letters, digits and {@code ._:@+=-}, not starting with '-'. It
 * goes into iscsiadm's node record, one {@code name = value} line, and libiscsi's environment.
 */
public record ChapName(String text) implements Arg {
    public ChapName {
        Grammar.check(text, 255, false, "._:@+=-");
    }
}
