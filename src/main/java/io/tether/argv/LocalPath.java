package io.tether.argv;

import java.nio.file.Path;

/**
 * A path on this host that a program is given: a mount point, a file below it, a file of the
 * worker's own. Absolute and normalised; each segment letters and digits of any script and
 * {@code ._-+@=,~%:[]} (a mount directory is named after its spec, {@code host:_path} or
 * {@code [2001:db8::1]:_path}), not starting with '-'.
 */
public record LocalPath(String text) implements Arg {
    public LocalPath {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("is not an absolute path");
        }
        if (text.length() > 1) {
            if (text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > RemotePath.MAX) {
                throw new IllegalArgumentException("is longer than " + RemotePath.MAX + " bytes");
            }
            for (String segment : text.substring(1).split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("is not normalised: it has an empty, '.' or '..' segment");
                }
                try {
                    Grammar.check(segment, RemotePath.MAX_SEGMENT, true, Grammar.LOCAL_PATH_PUNCTUATION);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("has a segment that " + e.getMessage());
                }
            }
        }
    }

    /** {@code path}, which must be absolute. */
    public static LocalPath of(Path path) {
        return new LocalPath(path.toString());
    }

    /** The file {@code relative} below this directory. */
    public LocalPath resolve(RelativePath relative) {
        return new LocalPath(text.equals("/") ? "/" + relative.text() : text + "/" + relative.text());
    }

    /** This path as a {@link Path}. */
    public Path path() {
        return Path.of(text);
    }
}
