package io.tether.connector;

import io.tether.connection.StorageType;
import io.tether.connection.StorageUri;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where VDSM mounts a connection, kept so that tools and habits built around VDSM's layout still
 * work: the mount spec ({@code server:/export/path}) with {@code _} doubled and {@code /} turned
 * into {@code _}, under the mount root; GlusterFS under {@code glusterSD/}.
 */
public final class MountPaths {
    /** The subdirectory of the mount root that VDSM uses for GlusterFS. */
    public static final String GLUSTER_DIR = "glusterSD";

    private MountPaths() {
    }

    /** The mount spec given to mount(8): {@code host:/path} for remote ones, the path for local ones. */
    public static String spec(StorageUri uri) {
        String host = uri.host();
        if (host.isEmpty()) {
            return uri.path();
        }
        String port = uri.port() == -1 || uri.type() != StorageType.POSIX ? "" : ":" + uri.port();
        return host + port + ":" + uri.path();
    }

    /** The mount point of {@code uri} under {@code root}. */
    public static Path mountPoint(Path root, StorageUri uri) {
        String name = escape(spec(uri));
        return uri.type() == StorageType.GLUSTERFS ? root.resolve(GLUSTER_DIR).resolve(name) : root.resolve(name);
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

    /** VDSM's fileUtils.transformPath: "_" to "__", then "/" to "_". */
    static String escape(String spec) {
        return spec.replace("_", "__").replace("/", "_");
    }
}
