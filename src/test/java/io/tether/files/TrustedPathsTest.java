package io.tether.files;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.Host;
import io.tether.testing.LocalUser;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What root may keep its secrets in and read its keys from: only what root (or this process's
 * user) made and nobody else can change. The attacks are another local user's ({@code nobody}),
 * made for real in a directory like {@code /tmp}.
 */
class TrustedPathsTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingPrivateDirectoryIsMadeOwnerOnlyWithItsParents() throws Exception {
        Path dir = tmp.resolve("a/b/data");
        TrustedPaths.privateDirectory(dir, "data dir");
        for (Path made : new Path[] {tmp.resolve("a"), tmp.resolve("a/b"), dir}) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(made)), made.toString());
            assertEquals(Owner.self(), TrustedPaths.uid(made));
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        TrustedPaths.privateDirectory(dir, "data dir");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), "tightened again");
    }

    /** The attack: another user makes ./tether-data first, with worker.lock a link to a file of root's. */
    @Test
    void aDataDirAnotherUserMadeIsRefused() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        Path planted = shared.resolve("tether-data");
        LocalUser.run("mkdir", planted.toString());
        UntrustedPathException e = assertThrows(UntrustedPathException.class,
                () -> TrustedPaths.privateDirectory(planted, "data dir"));
        assertEquals("data dir " + planted + " is owned by nobody (uid 65534), not by root: another user could have made"
                + " it, or could change it", e.getMessage());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(planted)), "left as it was");
    }

    @Test
    void aDirectoryOthersMayWriteToIsRefusedAndSoIsOneUnderIt() throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        UntrustedPathException itself = assertThrows(UntrustedPathException.class,
                () -> TrustedPaths.privateDirectory(open, "data dir"));
        assertTrue(itself.getMessage().contains("may be written by its group or by others (mode rwxrwxrwx)"), itself.getMessage());
        UntrustedPathException below = assertThrows(UntrustedPathException.class,
                () -> TrustedPaths.privateDirectory(open.resolve("data"), "data dir"));
        assertTrue(below.getMessage().startsWith("data dir " + open.resolve("data") + ": " + open + " may be written"),
                below.getMessage());

        // Sticky, as /tmp: others may add entries there but not move ours, so ours below it is ours.
        Host.ok(10, "chmod", "1777", open.toString());
        TrustedPaths.privateDirectory(open.resolve("data"), "data dir");
    }

    @Test
    void aLinkOnTheWayIsFollowedOnlyIfRootOrWeMadeIt() throws Exception {
        LocalUser.need();
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path ours = Files.createSymbolicLink(tmp.resolve("ours"), real);
        assertEquals(real.resolve("data"), TrustedPaths.privateDirectory(ours.resolve("data"), "data dir"));

        Path shared = LocalUser.sharedDir(tmp);
        Path theirs = shared.resolve("theirs");
        LocalUser.run("ln", "-s", real.toString(), theirs.toString());
        UntrustedPathException e = assertThrows(UntrustedPathException.class,
                () -> TrustedPaths.privateDirectory(theirs.resolve("data"), "data dir"));
        assertTrue(e.getMessage().contains(theirs + " is owned by nobody"), e.getMessage());
    }

    @Test
    void aKeyIsReadOnlyFromARegularFileOfOurs() throws Exception {
        LocalUser.need();
        Path dir = TrustedPaths.privateDirectory(tmp.resolve("data"), "data dir");
        Path key = dir.resolve("key");
        TrustedPaths.createNew(key, "secret".getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);
        assertArrayEquals("secret".getBytes(StandardCharsets.UTF_8), TrustedPaths.read(key, Owner.SELF, "key"));

        Path link = Files.createSymbolicLink(dir.resolve("link"), key);
        assertTrue(assertThrows(UntrustedPathException.class, () -> TrustedPaths.read(link, Owner.SELF, "key"))
                .getMessage().endsWith("is a symbolic link: only a regular file is used"));

        Host.ok(10, "chown", LocalUser.NAME, key.toString());
        assertTrue(assertThrows(UntrustedPathException.class, () -> TrustedPaths.read(key, Owner.SELF, "key"))
                .getMessage().contains("is owned by nobody"));
        Host.ok(10, "chown", "root", key.toString());

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw--w----"));
        assertThrows(UntrustedPathException.class, () -> TrustedPaths.read(key, Owner.SELF, "key"));
    }

    /** A FIFO where a key should be is refused from its lstat; opening it would block until a writer came. */
    @Test
    void aFifoWhereAKeyShouldBeIsRefusedWithoutBlocking() throws Exception {
        Path dir = TrustedPaths.privateDirectory(tmp.resolve("data"), "data dir");
        Path fifo = dir.resolve("key");
        Host.ok(10, "mkfifo", fifo.toString());
        CompletableFuture<Throwable> read = CompletableFuture.supplyAsync(() -> {
            try {
                TrustedPaths.read(fifo, Owner.SELF, "key");
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(read::isDone);
        assertTrue(read.get() instanceof UntrustedPathException && read.get().getMessage().endsWith("is not a regular file"),
                String.valueOf(read.get()));
    }

    @Test
    void aNewFileIsNeverWrittenThroughWhatIsThere() throws Exception {
        Path dir = TrustedPaths.privateDirectory(tmp.resolve("data"), "data dir");
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path link = Files.createSymbolicLink(dir.resolve("credentials.key"), victim);
        assertThrows(FileAlreadyExistsException.class,
                () -> TrustedPaths.createNew(link, "key".getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE));
        assertEquals("precious", Files.readString(victim));

        // replace() puts a new file in the link's place; the file it pointed to is untouched.
        TrustedPaths.replace(link, "login".getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);
        assertEquals("precious", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(link));
        assertEquals("login", Files.readString(link));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(link, LinkOption.NOFOLLOW_LINKS)));
    }
}
