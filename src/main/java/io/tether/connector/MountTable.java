package io.tether.connector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host's mounts, read from mountinfo(5) each time (it is small and always current). The file is
 * read as bytes, as the kernel writes it: any user can add a line (a FUSE mount through the setuid
 * fusermount3) whose path is no valid text, and such a line must neither hide the others nor pass
 * for one of ours. A table that cannot be read or parsed is {@link Unreadable}: "unknown", never
 * "nothing is mounted", which would have a connector mount again on top of what is there.
 */
public final class MountTable {
    /**
     * One mountinfo line: what is mounted where. {@code device} is the mounted file system's
     * {@code major:minor}; {@code root} the mounted subtree of the source; {@code options} the
     * mount's own options, {@code superOptions} its file system's (where the kernel shows a file
     * system remounted read-only after errors, and the NFS version it chose). {@code exact} is false
     * when a field is not valid UTF-8 (or not a path this JVM can name): its text then stands in
     * for bytes it cannot show, and it is never taken for a mount of ours.
     */
    public record Mount(String device, String root, Path mountPoint, String fsType, String source, List<String> options,
            List<String> superOptions, boolean exact) {
        public Mount {
            options = List.copyOf(options);
            superOptions = List.copyOf(superOptions);
        }

        public Mount(String root, Path mountPoint, String fsType, String source) {
            this("0:0", root, mountPoint, fsType, source, List.of(), List.of(), true);
        }

        /**
         * Read-only: by the mount's own flag, or its file system's. A file system the kernel made
         * read-only after errors shows {@code ro} in its options, or (ext4 on newer kernels, where
         * they keep {@code rw}) {@code emergency_ro}.
         */
        public boolean readOnly() {
            return options.contains("ro") || superOptions.contains("ro") || superOptions.contains("emergency_ro");
        }

        /** The value of file system option {@code name} ({@code vers} for NFS), if shown. */
        public Optional<String> superOption(String name) {
            return superOptions.stream().filter(o -> o.startsWith(name + "=")).map(o -> o.substring(name.length() + 1))
                    .findFirst();
        }
    }

    /** The mount table could not be read, or a line of it not understood: what is mounted is unknown. */
    public static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    private final Path mountInfo;

    public MountTable(Path mountInfo) {
        this.mountInfo = mountInfo;
    }

    public static MountTable ofHost() {
        return new MountTable(Path.of("/proc/self/mountinfo"));
    }

    /** Every mount, in mountinfo's order (a mount on top of another comes after it). */
    public List<Mount> mounts() throws Unreadable {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(mountInfo);
        } catch (IOException e) {
            throw new Unreadable("the mount table " + mountInfo + " cannot be read (" + e.getClass().getSimpleName()
                    + "): what is mounted is unknown");
        }
        List<Mount> mounts = new ArrayList<>();
        int start = 0;
        int number = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                number++;
                if (i > start) {
                    mounts.add(parse(bytes, start, i, number));
                }
                start = i + 1;
            }
        }
        return mounts;
    }

    /** The last (topmost) mount at {@code mountPoint}. */
    public Optional<Mount> at(Path mountPoint) throws Unreadable {
        return topmost(mounts(), mountPoint);
    }

    /** The last (topmost) mount at {@code mountPoint} among {@code mounts}, in mountinfo's order. */
    public static Optional<Mount> topmost(List<Mount> mounts, Path mountPoint) {
        Mount found = null;
        for (Mount m : mounts) {
            if (m.mountPoint().equals(mountPoint)) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** id parent major:minor root mount-point options [optional fields...] - fstype source super-options */
    private Mount parse(byte[] bytes, int from, int to, int number) throws Unreadable {
        List<byte[]> fields = new ArrayList<>();
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || bytes[i] == ' ') {
                fields.add(java.util.Arrays.copyOfRange(bytes, start, i));
                start = i + 1;
            }
        }
        int dash = -1;
        for (int i = 6; i < fields.size(); i++) {
            if (fields.get(i).length == 1 && fields.get(i)[0] == '-') {
                dash = i;
                break;
            }
        }
        if (dash < 0 || fields.size() < dash + 3) {
            throw new Unreadable("line " + number + " of the mount table " + mountInfo
                    + " is not one mountinfo(5) describes: what is mounted is unknown");
        }
        Field device = Field.of(fields.get(2));
        Field root = Field.of(fields.get(3));
        Field point = Field.of(fields.get(4));
        Field options = Field.of(fields.get(5));
        Field type = Field.of(fields.get(dash + 1));
        Field source = Field.of(fields.get(dash + 2));
        Field superOptions = fields.size() > dash + 3 ? Field.of(fields.get(dash + 3)) : new Field("", true);
        Path mountPoint;
        boolean named = true;
        try {
            mountPoint = Path.of(point.text());
        } catch (InvalidPathException e) {
            // A JVM whose file names are not UTF-8 (no UTF-8 locale) cannot name this one.
            mountPoint = Path.of(point.text().replaceAll("[^\\x00-\\x7f]", "?"));
            named = false;
        }
        boolean exact = named && device.exact() && root.exact() && point.exact() && type.exact() && source.exact();
        return new Mount(device.text(), root.text(), mountPoint, type.text(), source.text(),
                List.of(options.text().split(",")), superOptions.text().isEmpty() ? List.of() : List.of(superOptions.text().split(",")),
                exact);
    }

    /** One field's text, its octal escapes decoded, and whether its bytes were valid UTF-8. */
    private record Field(String text, boolean exact) {
        static Field of(byte[] raw) {
            byte[] bytes = unescape(raw);
            try {
                return new Field(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString(), true);
            } catch (CharacterCodingException e) {
                return new Field(new String(bytes, StandardCharsets.UTF_8), false);
            }
        }
    }

    /**
     * The kernel writes a space, tab, newline or backslash in a path as a backslash and three octal
     * digits ({@code \040}); any such escape is decoded, to the byte it stands for.
     */
    static byte[] unescape(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\\' && octal(raw, i + 1)) {
                out.write((raw[i + 1] - '0') << 6 | (raw[i + 2] - '0') << 3 | (raw[i + 3] - '0'));
                i += 3;
            } else {
                out.write(raw[i]);
            }
        }
        return out.toByteArray();
    }

    private static boolean octal(byte[] raw, int from) {
        if (from + 3 > raw.length) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (raw[i] < '0' || raw[i] > '7') {
                return false;
            }
        }
        return raw[from] <= '3';
    }
}
