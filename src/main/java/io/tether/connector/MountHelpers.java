package io.tether.connector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What this host has to mount a file-system type with: the {@code mount.TYPE} helper programs
 * mount(8) runs, and the types the kernel has. A failed mount is called a missing helper only when
 * these say so: mount's own hints ("missing codepage or helper program") also cover a bad option.
 *
 * @param directories where mount(8) looks for {@code mount.TYPE} (libmount's search path, and
 *                    /usr/sbin, where the helpers are on hosts whose /sbin is not that)
 * @param kernelTypes the kernel's list of file-system types, as {@code /proc/filesystems} has it
 */
record MountHelpers(List<Path> directories, Path kernelTypes) {

    MountHelpers {
        directories = List.copyOf(directories);
    }

    /** This host's. */
    static MountHelpers ofHost() {
        return new MountHelpers(List.of(Path.of("/sbin"), Path.of("/sbin/fs.d"), Path.of("/sbin/fs"), Path.of("/usr/sbin")),
                Path.of("/proc/filesystems"));
    }

    /**
     * Whether a helper would run for {@code type}: {@code mount.TYPE}, or for a type with a subtype
     * ({@code fuse.sshfs}) also the main type's ({@code mount.fuse}), as mount(8) tries both.
     */
    boolean helperFor(String type) {
        int dot = type.indexOf('.');
        return directories.stream().anyMatch(dir -> Files.exists(dir.resolve("mount." + type))
                || dot > 0 && Files.exists(dir.resolve("mount." + type.substring(0, dot))));
    }

    /**
     * Whether the kernel mounts {@code type} without a device ({@code nodev} in its list: tmpfs,
     * nfs, fuse for {@code fuse.sshfs}): the source is then a name or a server, never opened as a
     * local file, and mount(8) makes no loop device for it. A type the kernel does not list now
     * (its module not loaded yet) is taken to need one.
     */
    boolean deviceless(String type) {
        int dot = type.indexOf('.');
        String main = dot > 0 ? type.substring(0, dot) : type;
        try {
            return Files.readAllLines(kernelTypes).stream().map(String::strip)
                    .anyMatch(line -> line.equals("nodev\t" + main));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the kernel has {@code type} now (a module loaded, or built in). */
    boolean kernelHas(String type) {
        try {
            // Lines are "nodev\ttmpfs" or "\text4": the type is the last field.
            return Files.readAllLines(kernelTypes).stream().map(String::strip)
                    .anyMatch(line -> line.equals(type) || line.endsWith("\t" + type));
        } catch (IOException e) {
            return false;
        }
    }
}
