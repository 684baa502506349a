package io.tether.cli;

/** Exceptions from libraries, described for a one-line error message. */
final class Errors {
    private Errors() {
    }

    /** The message of {@code e} or of its first cause that has one; its class name if none has. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}
