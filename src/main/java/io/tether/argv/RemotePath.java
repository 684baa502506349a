package io.tether.argv;

import java.util.ArrayList;
import java.util.List;

/**
 * A path a mount names on its server or on this host's devices: an NFS export, a GlusterFS volume
 * and subdirectory, a POSIX source path or device. Absolute and normalised ({@code /} alone, or
 * segments without empty ones, {@code .} or {@code ..}); each segment letters and digits of any
 * script and {@code ._-+@=,~%}, not starting with '-'. A ':' only where the helper splits the spec
 * at its first ':' (mount.nfs, so that VDSM's {@code server:/pa:th} still mounts): mount.glusterfs
 * takes the text after the last ':' of its spec as the volume, so {@code vol/x:/othervol} would
 * mount another volume than the one the URI names, and the POSIX types' helpers each read the spec
 * their own way.
 *
 * @param text   the path
 * @param colons whether a segment may hold ':'
 */
public record RemotePath(String text, boolean colons) {
    /** The longest path, in bytes of UTF-8 (PATH_MAX). */
    static final int MAX = 4095;
    /** The longest segment, in bytes (NAME_MAX). */
    static final int MAX_SEGMENT = 255;

    public RemotePath {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("is not an absolute path");
        }
        if (text.length() > 1) {
            if (text.endsWith("/")) {
                throw new IllegalArgumentException("is not normalised: it ends in '/'");
            }
            checkSegments(text.substring(1), MAX, colons);
        }
    }

    /** A path without ':'. */
    public RemotePath(String text) {
        this(text, false);
    }

    /** The path's segments, none for {@code /}. */
    public List<String> segments() {
        return text.equals("/") ? List.of() : List.of(text.substring(1).split("/"));
    }

    /** Checks each segment of {@code relative}, a path without a leading '/', as a segment of a path here. */
    static List<String> checkSegments(String relative, int maxBytes, boolean colons) {
        if (relative.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
            throw new IllegalArgumentException("is longer than " + maxBytes + " bytes");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("is not normalised: it has an empty, '.' or '..' segment");
            }
            if (!colons && segment.indexOf(':') >= 0) {
                throw new IllegalArgumentException("holds ':', which mount helpers read as the end of the server's name");
            }
            try {
                Grammar.check(segment, MAX_SEGMENT, true, colons ? Grammar.PATH_PUNCTUATION + ":" : Grammar.PATH_PUNCTUATION);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("has a segment that " + e.getMessage());
            }
            segments.add(segment);
        }
        return segments;
    }
}
