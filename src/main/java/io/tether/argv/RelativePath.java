package io.tether.argv;

/**
 * A file below a mount point ({@code readCheck}): relative, normalised, its segments as a
 * {@link RemotePath}'s, so it never leaves the mount ({@code ..}) and is never an option.
 */
public record RelativePath(String text) {
    public RelativePath {
        if (text == null || text.isEmpty() || text.startsWith("/")) {
            throw new IllegalArgumentException("is not a relative path");
        }
        RemotePath.checkSegments(text, RemotePath.MAX, false);
    }
}
