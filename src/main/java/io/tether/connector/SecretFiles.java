package io.tether.connector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * Files that hand a secret to a mount helper ({@code credentials=FILE} for mount.cifs,
 * {@code secretfile=FILE} for mount.ceph) instead of its command line, which every local user can
 * read in {@code /proc/PID/cmdline}. Each file is new (created with O_EXCL, mode 0600), in a
 * directory only the worker's user may use, and is removed once the mount command has run. The
 * directory is {@code /run/tether}, a tmpfs on a systemd host: a secret written there never
 * reaches a disk.
 */
final class SecretFiles {
    private static final Path HOST_DIRECTORY = Path.of("/run/tether");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;

    SecretFiles(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /** {@code /run/tether}. */
    static SecretFiles ofHost() {
        return new SecretFiles(HOST_DIRECTORY);
    }

    /** A secret written to a new file; closing it removes the file. */
    record SecretFile(Path path) implements AutoCloseable {
        @Override
        public void close() {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // Nothing else can read it (0600, in a directory of the worker's own): left for the next boot.
            }
        }
    }

    /** Writes {@code content} to a new file of its own. */
    SecretFile write(String content) throws IOException {
        ownDirectory();
        Path file = directory.resolve("mount-secret-" + HexFormat.of().formatHex(randomBytes()));
        // CREATE_NEW is O_CREAT|O_EXCL: never a file (or link) that was there before.
        try (SeekableByteChannel channel = Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
        }
        return new SecretFile(file);
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /**
     * Makes the directory (mode 0700) if it is not there; refuses one that is a link, is another
     * user's, or that others may use, as someone else could then read or replace the files.
     */
    private void ownDirectory() throws IOException {
        try {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // Checked below.
        }
        PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object owner = Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory() || !owner.equals(self) || !OWNER_ONLY.containsAll(attributes.permissions())) {
            throw new IOException(directory + " is not a directory of this user's alone (mode 0700): refusing to put a"
                    + " secret in it");
        }
    }
}
