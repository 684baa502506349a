package io.tether.uri;

/**
 * A URI that cannot name a connection. The message says what to fix and never repeats a credential:
 * the parser marks each piece of the URI it quotes ({@link UriParser#quote}), so that when the URI
 * may hold a secret those pieces, and only those, are left out ({@link #hidingQuotedInput}).
 */
public final class InvalidUriException extends Exception {
    /** Around each quoted piece of input in {@link #marked}: control characters, which a quoted piece never holds. */
    static final char QUOTE_START = '\u0001';
    static final char QUOTE_END = '\u0002';

    private final String component;
    private final String marked;

    public InvalidUriException(String message) {
        this(null, message);
    }

    /**
     * @param component the part of the URI that breaks the grammar of what may reach a host program
     *                  (docs/connectors.md, "What reaches a host program"), or null
     */
    public InvalidUriException(String component, String message) {
        super(unmarked(message), null, false, false);
        this.component = component;
        this.marked = message;
    }

    /**
     * The part of the URI that a host program would have been given and whose grammar it breaks
     * ("glusterfs subdirectory", "options"); null when the URI is refused for another reason.
     */
    public String component() {
        return component;
    }

    /** This error with each piece of the URI it quotes replaced by {@code replacement}. */
    InvalidUriException hidingQuotedInput(String replacement) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < marked.length()) {
            int start = marked.indexOf(QUOTE_START, i);
            if (start < 0) {
                sb.append(marked, i, marked.length());
                break;
            }
            int end = marked.indexOf(QUOTE_END, start);
            sb.append(marked, i, start).append(replacement);
            i = end < 0 ? marked.length() : end + 1;
        }
        return new InvalidUriException(component, sb.toString());
    }

    private static String unmarked(String message) {
        return message.replace(String.valueOf(QUOTE_START), "").replace(String.valueOf(QUOTE_END), "");
    }
}
