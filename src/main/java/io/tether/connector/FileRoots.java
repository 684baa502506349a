package io.tether.connector;

import io.tether.uri.FileScheme;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The directories {@code file://} URIs may name on this host: the operator's
 * ({@code --allow-file-root DIR}, repeatable), none by default. A {@code file://} URI has the root
 * worker look at a directory a request names: left open, any request could ask whether a path
 * only root may see exists ({@code file:///root/.ssh}), or point the worker into {@code /proc}.
 * So a directory is allowed only at or below one of these roots: as the URI writes it, checked
 * when a CID is managed ({@link #check}: refused with -32602), and as its real path, checked by
 * the connector each time it looks ({@link #checkReal}), which also catches a link below a root
 * that leads out of it, and CIDs stored before the roots narrowed. {@code /proc}, {@code /sys} and
 * {@code /dev} are never a root nor below one.
 *
 * @param roots each root as the operator wrote it (normalised) and its real path when it was
 *              given (the worker's start), or the same path if it did not exist then
 */
public record FileRoots(List<Root> roots) {
    /** No directory: every {@code file://} URI is refused. */
    public static final FileRoots NONE = new FileRoots(List.of());
    private static final List<Path> NEVER = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

    /** One root: as given, and its real path. */
    public record Root(Path given, Path real) {
    }

    public FileRoots {
        roots = List.copyOf(roots);
    }

    /**
     * The roots {@code directories} names, each resolved to its real path now.
     *
     * @throws IllegalArgumentException a directory that is not absolute, is {@code /}, or is or
     *                                  leads into {@code /proc}, {@code /sys} or {@code /dev}
     */
    public static FileRoots of(List<String> directories) {
        List<Root> roots = new ArrayList<>();
        for (String directory : directories) {
            Path given = Path.of(directory);
            if (!given.isAbsolute()) {
                throw new IllegalArgumentException(directory + " is not an absolute path");
            }
            given = given.normalize();
            if (given.getNameCount() == 0) {
                throw new IllegalArgumentException("/ would let file:// URIs name every directory of the host; name the"
                        + " directories that hold storage");
            }
            Path real;
            try {
                real = given.toRealPath();
            } catch (IOException e) {
                real = given;
            }
            for (Path path : List.of(given, real)) {
                if (never(path) != null) {
                    throw new IllegalArgumentException(directory + (path == real && !real.equals(given) ? " leads to " + real
                            + ", which is" : " is") + " under " + never(path) + ", which file:// URIs never name");
                }
            }
            roots.add(new Root(given, real));
        }
        return new FileRoots(roots);
    }

    /** These roots and {@code directory}. */
    public FileRoots allowing(String directory) {
        List<Root> more = new ArrayList<>(roots);
        more.addAll(of(List.of(directory)).roots());
        return new FileRoots(more);
    }

    /** A {@code file://} URI that names a directory outside the roots; the message says how the operator allows it. */
    public static final class OutsideRoots extends Exception {
        OutsideRoots(String message) {
            super(message, null, false, false);
        }
    }

    /** Refuses a {@code file://} URI whose directory is, as written, outside every root; other URIs pass. */
    public void check(StorageUri uri) throws OutsideRoots {
        if (uri.type() != StorageType.FILE) {
            return;
        }
        Path dir = FileScheme.directory(uri);
        if (never(dir) != null) {
            throw new OutsideRoots("file uri path " + dir + " is under " + never(dir) + ", which file:// URIs never name");
        }
        if (roots.stream().noneMatch(root -> dir.startsWith(root.given()) || dir.startsWith(root.real()))) {
            throw new OutsideRoots("file uri path " + dir + " is outside " + described() + hint());
        }
    }

    /** Refuses a directory whose real path ({@code real}) is outside every root's real path. */
    public void checkReal(Path dir, Path real) throws OutsideRoots {
        if (never(real) != null || roots.stream().noneMatch(root -> real.startsWith(root.real()))) {
            throw new OutsideRoots("directory " + dir + " is " + real + ", outside " + described() + hint());
        }
    }

    private String described() {
        return "the directories this host lets file:// URIs name ("
                + (roots.isEmpty() ? "none" : roots.stream().map(r -> r.given().toString()).collect(Collectors.joining(", ")))
                + ")";
    }

    private static String hint() {
        return "; the host's operator can allow a directory with --allow-file-root DIR";
    }

    private static Path never(Path path) {
        return NEVER.stream().filter(path::startsWith).findFirst().orElse(null);
    }

    @Override
    public String toString() {
        return roots.stream().map(r -> r.given().equals(r.real()) ? r.given().toString() : r.given() + " (" + r.real() + ")")
                .collect(Collectors.joining(", "));
    }
}
