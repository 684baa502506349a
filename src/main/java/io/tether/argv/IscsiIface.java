package io.tether.argv;

import java.util.regex.Pattern;

/** An open-iscsi interface's name ({@code default}, {@code iser}, {@code bnx2i.00:11:22:33:44:55}). */
public record IscsiIface(String text) implements Arg {
    public static final Pattern GRAMMAR = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}");

    public IscsiIface {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not an interface name (1 to 64 letters, digits, '_', '.', ':', '-',"
                    + " not starting with '.', ':' or '-')");
        }
    }
}
