package io.tether.connector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The host's mounts, read from mountinfo(5) each time (it is small and always current). */
public final class MountTable {
    /**
     * One mountinfo line: what is mounted where. {@code root} is the mounted subtree of the source;
     * {@code options} the mount's own options, {@code superOptions} its file system's (where the
     * kernel shows a file system remounted read-only after errors, and the NFS version it chose).
     */
    public record Mount(String root, Path mountPoint, String fsType, String source, List<String> options,
            List<String> superOptions) {
        public Mount {
            options = List.copyOf(options);
            superOptions = List.copyOf(superOptions);
        }

        public Mount(String root, Path mountPoint, String fsType, String source) {
            this(root, mountPoint, fsType, source, List.of(), List.of());
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

    private final Path mountInfo;

    public MountTable(Path mountInfo) {
        this.mountInfo = mountInfo;
    }

    public static MountTable ofHost() {
        return new MountTable(Path.of("/proc/self/mountinfo"));
    }

    public List<Mount> mounts() {
        List<Mount> mounts = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(mountInfo);
        } catch (IOException e) {
            return mounts;
        }
        for (String line : lines) {
            // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (left.length >= 5 && right.length >= 2) {
                mounts.add(new Mount(unescape(left[3]), Path.of(unescape(left[4])), right[0], unescape(right[1]),
                        left.length >= 6 ? List.of(left[5].split(",")) : List.of(),
                        right.length >= 3 ? List.of(right[2].split(",")) : List.of()));
            }
        }
        return mounts;
    }

    /** The last (topmost) mount at {@code mountPoint}. */
    public Optional<Mount> at(Path mountPoint) {
        Mount found = null;
        for (Mount m : mounts()) {
            if (m.mountPoint().equals(mountPoint)) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
