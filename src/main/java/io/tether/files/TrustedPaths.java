package io.tether.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Paths that only root and this process's user can change: the only ones a root process may keep
 * secrets in, read keys or logins from, create files in, or hand to a host tool. Anything else
 * lets another local user plant a symbolic link that root then writes through, or a file that root
 * then reads as its own.
 *
 * <p>A path is trusted when, resolved one part at a time as the kernel resolves it, every part is
 * owned by root or by this process's user, every directory on the way is writable by nobody else
 * (or sticky, like {@code /tmp}, where others may add entries but not move or replace ours), and
 * so every symbolic link on the way was made by root or by us. Nobody else can then make it lead
 * elsewhere between the check and its use. What is checked is {@code lstat}, never what a link
 * points to; files are opened with {@code O_NOFOLLOW} and created with {@code O_EXCL}.
 */
public final class TrustedPaths {
    /** A directory only its owner may enter (the data dir and its parts). */
    public static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    /** A directory others may traverse but not change (the mount root, which VMs traverse). */
    public static final Set<PosixFilePermission> SHARED_DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    /** A file only its owner may read (keys, logins). */
    public static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    /** As the kernel's limit on links followed in one lookup. */
    private static final int MAX_LINKS = 40;
    /** Keys and logins are small; anything larger is not one. */
    private static final int MAX_READ = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private TrustedPaths() {
    }

    /**
     * Where a path leads: {@code real}, the real path of its deepest part that exists, and
     * {@code missing}, the names below it that do not exist (yet); {@code visited}, every part
     * looked at on the way (links included), for a caller that must not pass through some places.
     */
    public record Resolution(Path real, List<String> missing, List<Path> visited) {
        public Resolution {
            missing = List.copyOf(missing);
            visited = List.copyOf(visited);
        }

        public boolean exists() {
            return missing.isEmpty();
        }
    }

    /**
     * Resolves {@code path} as the kernel would, checking each part on the way: owned by root or by
     * this process's user, and each directory passed through writable by nobody else unless sticky.
     * The last existing part's owner is checked too, but not its mode or type: that is the caller's
     * rule. {@code what} names the path in messages ("data dir").
     *
     * @throws UntrustedPathException a part someone else controls, or too many symbolic links
     * @throws NotDirectoryException  a part on the way that is not a directory
     */
    public static Resolution resolve(Path path, String what) throws IOException {
        return resolve(path, what, path);
    }

    /** {@link #resolve(Path, String)}, naming {@code named} (a file in {@code path}, say) in messages. */
    private static Resolution resolve(Path path, String what, Path named) throws IOException {
        Path absolute = path.toAbsolutePath();
        Deque<String> todo = new ArrayDeque<>();
        absolute.forEach(name -> todo.addLast(name.toString()));
        Path at = absolute.getRoot();
        requireTrustedDirectoryOnTheWay(what, named, at, lstat(at));
        List<Path> visited = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                at = at.getParent() == null ? at : at.getParent();
                continue;
            }
            Path next = at.resolve(name);
            visited.add(next);
            PosixFileAttributes attributes;
            try {
                attributes = lstat(next);
            } catch (NoSuchFileException e) {
                List<String> missing = new ArrayList<>();
                missing.add(name);
                missing.addAll(todo);
                return new Resolution(at, missing, visited);
            }
            requireOwner(what, named, next, attributes, Owner.ROOT_OR_SELF);
            if (attributes.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new UntrustedPathException(what + " " + named + ": more than " + MAX_LINKS + " symbolic links");
                }
                Path target = Files.readSymbolicLink(next);
                List<String> names = new ArrayList<>();
                target.forEach(n -> names.add(n.toString()));
                for (int i = names.size() - 1; i >= 0; i--) {
                    todo.addFirst(names.get(i));
                }
                if (target.isAbsolute()) {
                    at = at.getRoot();
                }
                continue;
            }
            at = next;
            if (!todo.isEmpty()) {
                requireTrustedDirectoryOnTheWay(what, named, next, attributes);
            }
        }
        return new Resolution(at, List.of(), visited);
    }

    /**
     * A directory only this process's user may use (the data dir and its parts): made with mode
     * 0700 where it is missing, else it must be a directory owned by this user that nobody else may
     * write to, and is then made 0700. Every part above it must be trusted ({@link #resolve}).
     *
     * @return its real path
     */
    public static Path privateDirectory(Path dir, String what) throws IOException {
        Path real = directory(dir, what, Owner.SELF, PRIVATE_DIRECTORY);
        if (!lstat(real).permissions().equals(PRIVATE_DIRECTORY)) {
            setPermissions(real, PRIVATE_DIRECTORY);
        }
        return real;
    }

    /**
     * A directory others may traverse but not change (the mount root): made with mode 0755 where it
     * is missing, else it must be a directory owned by root or this process's user that nobody
     * else may write to. Its mode is otherwise left as it is.
     *
     * @return its real path
     */
    public static Path sharedDirectory(Path dir, String what) throws IOException {
        return directory(dir, what, Owner.ROOT_OR_SELF, SHARED_DIRECTORY);
    }

    /**
     * An existing directory another process made for us to read from (the CLI reading the local
     * worker's data dir): a directory owned by root or this process's user, writable by nobody
     * else, every part above it trusted.
     *
     * @throws NoSuchFileException it does not exist
     */
    public static Path existingDirectory(Path dir, String what) throws IOException {
        Resolution resolution = resolve(dir, what);
        if (!resolution.exists()) {
            throw new NoSuchFileException(dir.toString());
        }
        requireDirectory(what, dir, resolution.real(), lstat(resolution.real()), Owner.ROOT_OR_SELF);
        return resolution.real();
    }

    private static Path directory(Path dir, String what, Owner owner, Set<PosixFilePermission> mode) throws IOException {
        Resolution resolution = resolve(dir, what);
        Path at = resolution.real();
        for (String name : resolution.missing()) {
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                throw new UntrustedPathException(what + " " + dir + " names '..' below a directory that does not exist");
            }
            Path next = at.resolve(name);
            try {
                Files.createDirectory(next, PosixFilePermissions.asFileAttribute(mode));
                // The process's umask may have taken bits away that others need (the mount root's).
                setPermissions(next, mode);
            } catch (FileAlreadyExistsException raced) {
                // Made meanwhile by someone else: checked like any existing part below.
            }
            PosixFileAttributes made = lstat(next);
            if (made.isSymbolicLink() || !made.isDirectory()) {
                throw new UntrustedPathException(what + " " + dir + ": " + next
                        + " appeared as something other than a directory while it was being made");
            }
            requireOwner(what, dir, next, made, owner);
            requireNotWritableByOthers(what, dir, next, made, false);
            at = next;
        }
        requireDirectory(what, dir, at, lstat(at), owner);
        return at;
    }

    /**
     * Reads a small file (a key, a login) that {@code owner} must own: a regular file, not a link
     * (opened with {@code O_NOFOLLOW}), writable by nobody else, in a trusted directory.
     *
     * @throws NoSuchFileException it does not exist
     */
    public static byte[] read(Path file, Owner owner, String what) throws IOException {
        Path real = existing(file, what);
        PosixFileAttributes attributes = lstat(real);
        requireRegularFile(what, file, real, attributes, owner);
        try (FileChannel channel = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (channel.size() > MAX_READ) {
                throw new UntrustedPathException(what + " " + file + " is larger than " + MAX_READ + " bytes");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) channel.size());
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // until full or at its end
            }
            byte[] bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
            return bytes;
        }
    }

    /**
     * Checks that {@code file} is a regular file {@code owner} owns, writable by nobody else, in a
     * trusted directory; makes it {@code mode} if it is wider (say a key left readable by others).
     *
     * @return its real path
     * @throws NoSuchFileException it does not exist
     */
    public static Path ownFile(Path file, String what, Set<PosixFilePermission> mode) throws IOException {
        Path real = existing(file, what);
        PosixFileAttributes attributes = lstat(real);
        requireRegularFile(what, file, real, attributes, Owner.SELF);
        if (!attributes.permissions().equals(mode)) {
            setPermissions(real, mode);
        }
        return real;
    }

    /**
     * Creates {@code file} with {@code mode} and {@code content}: {@code O_CREAT|O_EXCL|O_NOFOLLOW},
     * so it fails rather than write through anything already there, a link included.
     *
     * @throws FileAlreadyExistsException something is there
     */
    public static void createNew(Path file, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try (FileChannel channel = FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(mode))) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        // The umask may have taken bits away (a public key others must read).
        setPermissions(file, mode);
    }

    /**
     * Replaces {@code file} in one step: a new file (created as {@link #createNew} does, under a
     * random name beside it) renamed over it, so a reader sees the old content or the new one,
     * and whatever was there, a link included, is replaced rather than written through.
     */
    public static void replace(Path file, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + HexFormat.of().formatHex(randomBytes()) + ".tmp");
        try {
            createNew(temp, content, mode);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The attributes of {@code path} itself, a link not followed. */
    public static PosixFileAttributes lstat(Path path) throws IOException {
        return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /** The owner's uid, as the kernel has it (a name may not resolve, or resolve to another user). */
    public static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** Sets {@code path}'s mode without following a link there ({@code fchmod} of an {@code O_NOFOLLOW} descriptor). */
    public static void setPermissions(Path path, Set<PosixFilePermission> mode) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(mode);
    }

    /**
     * Refuses {@code part} (of {@code path}) unless {@code owner} accepts its owner.
     *
     * @param what names {@code path} in the message
     */
    public static void requireOwner(String what, Path path, Path part, PosixFileAttributes attributes, Owner owner)
            throws IOException {
        int uid = uid(part);
        if (!owner.accepts(uid)) {
            throw new UntrustedPathException(what + " " + path + (part.equals(path) ? "" : ": " + part) + " is owned by "
                    + ownerName(attributes, uid) + ", not by " + owner.described()
                    + ": another user could have made it, or could change it");
        }
    }

    /** Refuses a directory others may write to ({@code sticky}: unless its sticky bit keeps them from moving our entries). */
    public static void requireNotWritableByOthers(String what, Path path, Path part, PosixFileAttributes attributes,
            boolean stickyWillDo) throws IOException {
        Set<PosixFilePermission> mode = attributes.permissions();
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            if (stickyWillDo && attributes.isDirectory() && sticky(part)) {
                return;
            }
            throw new UntrustedPathException(what + " " + path + (part.equals(path) ? "" : ": " + part)
                    + " may be written by its group or by others (mode " + PosixFilePermissions.toString(mode)
                    + "): they could put or replace files there");
        }
    }

    /** Where {@code file} is, if its directory exists and is trusted as one on the way to it. */
    private static Path existing(Path file, String what) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Resolution directory = resolve(parent, what, file);
        if (!directory.exists()) {
            throw new NoSuchFileException(file.toString());
        }
        requireTrustedDirectoryOnTheWay(what, file, directory.real(), lstat(directory.real()));
        return directory.real().resolve(file.getFileName());
    }

    private static void requireTrustedDirectoryOnTheWay(String what, Path path, Path dir, PosixFileAttributes attributes)
            throws IOException {
        if (!attributes.isDirectory()) {
            throw new NotDirectoryException(dir.toString());
        }
        requireOwner(what, path, dir, attributes, Owner.ROOT_OR_SELF);
        requireNotWritableByOthers(what, path, dir, attributes, true);
    }

    private static void requireDirectory(String what, Path path, Path real, PosixFileAttributes attributes, Owner owner)
            throws IOException {
        if (!attributes.isDirectory()) {
            throw new UntrustedPathException(what + " " + path + " is not a directory");
        }
        requireOwner(what, path, real, attributes, owner);
        requireNotWritableByOthers(what, path, real, attributes, false);
    }

    private static void requireRegularFile(String what, Path path, Path real, PosixFileAttributes attributes, Owner owner)
            throws IOException {
        if (attributes.isSymbolicLink()) {
            throw new UntrustedPathException(what + " " + path + " is a symbolic link: only a regular file is used");
        }
        if (!attributes.isRegularFile()) {
            throw new UntrustedPathException(what + " " + path + " is not a regular file");
        }
        requireOwner(what, path, real, attributes, owner);
        requireNotWritableByOthers(what, path, real, attributes, false);
    }

    private static boolean sticky(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 01000) != 0;
    }

    private static String ownerName(PosixFileAttributes attributes, int uid) {
        String name = attributes.owner().getName();
        return name.equals(Integer.toString(uid)) ? "uid " + uid : name + " (uid " + uid + ")";
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
