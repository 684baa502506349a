package io.tether.connector;

import io.tether.connection.MountSettings;
import io.tether.connection.StorageUri;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a connection is mounted: named as VDSM names it, so that tools and habits built around
 * VDSM's layout still work: the mount spec ({@code server:/export/path}) with {@code _} doubled and
 * {@code /} turned into {@code _}, under the mount root, in the subdirectory the URI's type asks
 * for (GlusterFS: {@code glusterSD/}). docs/connectors.md, "Mount directories".
 */
public final class MountPaths {

    private MountPaths() {
    }

    /** How {@code uri} is mounted, from its type's scheme; for a URI that is not mounted, an error. */
    public static MountSettings settings(StorageUri uri) {
        return uri.type().definition().mount(uri)
                .orElseThrow(() -> new IllegalArgumentException(uri.type() + " is not mounted"));
    }

    /** The mount spec given to mount(8): {@code host:/path} for remote ones, the path for local ones. */
    public static String spec(StorageUri uri) {
        return settings(uri).source();
    }

    /** The mount point of {@code uri} under {@code root}. */
    public static Path mountPoint(Path root, StorageUri uri) {
        MountSettings settings = settings(uri);
        return root.resolve(settings.directory()).resolve(escape(settings.source()));
    }

    /**
     * Creates {@code dir} and its missing parents with mode 0755, whatever the process's umask: VMs
     * run as another user and must traverse the mount root and its subdirectories to their disks.
     */
    public static void createTraversable(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            return;
        }
        createTraversable(absolute.getParent());
        try {
            Files.createDirectory(absolute);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** VDSM's transformPath: "_" to "__", then "/" to "_" (docs/connectors.md, "Mount directories"). */
    static String escape(String spec) {
        return spec.replace("_", "__").replace("/", "_");
    }
}
