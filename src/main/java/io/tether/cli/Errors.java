package io.tether.cli;

/** Exceptions from libraries, described for a one-line error message. */
final class Errors {
    private Errors() {
    }

    /**
     * An IOException in words: the JDK's file system exceptions give only the file as their
     * message and say what happened in their class name (NoSuchFile) and reason.
     */
    static String describe(java.io.IOException e) {
        if (e instanceof java.nio.file.FileSystemException fs) {
            String name = e.getClass().getSimpleName().replaceAll("Exception$", "");
            return fs.getFile() + ": " + (fs.getReason() != null ? fs.getReason() : name)
                    + (fs.getOtherFile() != null ? " (" + fs.getOtherFile() + ")" : "");
        }
        return describe((Throwable) e);
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
