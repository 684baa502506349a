package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.Host;
import io.tether.testing.LocalUser;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code file://} connections looked at for real, as root: inside the operator's roots only, and
 * never by writing or opening anything in the directory, where another local user ({@code nobody},
 * for real) may have put a link to a file of root's, or a FIFO.
 */
class LocalDirectoryConnectorTest {
    @TempDir
    Path tmp;

    private LocalDirectoryConnector connector(Path... roots) {
        return new LocalDirectoryConnector(FileRoots.of(Stream.of(roots).map(Path::toString).toList()), new CommandRunner(),
                MountTable.ofHost(), Duration.ofSeconds(10));
    }

    private static ConnectorException refused(LocalDirectoryConnector connector, Path dir) {
        return assertThrows(ConnectorException.class, () -> connector.probe(UriParser.parse("file://" + dir)));
    }

    @Test
    void aDirectoryInsideTheRootsIsCheckedWithoutWritingToIt() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage/d"));
        LocalDirectoryConnector connector = connector(tmp.resolve("storage"));
        connector.probe(UriParser.parse("file://" + storage));
        try (Stream<Path> left = Files.list(storage)) {
            assertEquals(List.of(), left.toList(), "nothing made in the directory");
        }

        ConnectorException missing = refused(connector, storage.resolveSibling("missing"));
        assertEquals(VdsmError.StorageServerValidationError, missing.error());
        assertEquals("directory " + storage.resolveSibling("missing") + " does not exist", missing.getMessage());
        Path file = Files.writeString(storage.resolveSibling("file"), "x");
        assertEquals(file + " is not a directory", refused(connector, file).getMessage());
    }

    /**
     * The attack: a user who may write in the directory plants the probe's file name as a
     * link to a file of root's; the probe wrote "tether" through it as root. Nothing is written now.
     */
    @Test
    void aLinkPlantedInTheDirectoryIsNeverWrittenThrough() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        Path dir = shared.resolve("theirs");
        LocalUser.run("mkdir", dir.toString());
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path probeName = dir.resolve(".tether-probe-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
        LocalUser.run("ln", "-s", victim.toString(), probeName.toString());

        connector(shared).probe(UriParser.parse("file://" + dir));
        assertEquals("precious", Files.readString(victim));
        assertTrue(Files.isSymbolicLink(probeName), "their link is left as it was");
    }

    /** A FIFO in the probe's file name blocked an operation thread forever; nothing is opened now. */
    @Test
    void aFifoPlantedInTheDirectoryBlocksNothing() throws Exception {
        LocalUser.need();
        Path shared = LocalUser.sharedDir(tmp);
        Path dir = shared.resolve("theirs");
        LocalUser.run("mkdir", dir.toString());
        LocalDirectoryConnector connector = connector(shared);
        CompletableFuture<Void> check = CompletableFuture.runAsync(() -> {
            Path fifo = dir.resolve(".tether-probe-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
            LocalUser.run("mkfifo", fifo.toString());
            try {
                connector.probe(UriParser.parse("file://" + dir));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(check::isDone);
            check.get();
        } finally {
            releaseFifos(dir);
        }

        Path fifo = shared.resolve("fifo");
        LocalUser.run("mkfifo", fifo.toString());
        assertEquals(fifo + " is not a directory", refused(connector, fifo).getMessage());
    }

    /** Opens each FIFO for reading and writing, so a thread blocked in opening it goes on. */
    private static void releaseFifos(Path dir) throws Exception {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.toList()) {
                if (!Files.isRegularFile(entry) && !Files.isDirectory(entry) && !Files.isSymbolicLink(entry)) {
                    Host.run(10, "sh", "-c", "exec 3<>\"$1\"", "sh", entry.toString());
                }
            }
        }
    }

    /** A request named any path, /root's and /proc's included: only the operator's roots, as written and as real paths. */
    @Test
    void onlyTheOperatorsRootsAreLookedAt() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("storage"));
        LocalDirectoryConnector connector = connector(root);
        for (String outside : List.of("/root", "/etc")) {
            ConnectorException e = refused(connector, Path.of(outside));
            assertEquals(VdsmError.StorageServerValidationError, e.error());
            assertTrue(e.getMessage().endsWith("the host's operator can allow a directory with --allow-file-root DIR"),
                    e.getMessage());
        }
        assertEquals("file uri path /proc/self/root/etc is under /proc, which file:// URIs never name",
                refused(connector, Path.of("/proc/self/root/etc")).getMessage());
        // A link below a root that leads out of it is refused by the directory's real path.
        Path out = Files.createSymbolicLink(root.resolve("out"), Path.of("/etc"));
        ConnectorException e = refused(connector, out);
        assertEquals("directory " + out + " is /etc, outside the directories this host lets file:// URIs name (" + root
                + "); the host's operator can allow a directory with --allow-file-root DIR", e.getMessage());
        assertTrue(refused(new LocalDirectoryConnector(FileRoots.NONE, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10)), root)
                .getMessage().contains("(none)"));
    }

    /** A directory on a file system mounted read-only is connected, and says so for its health, as a read-only mount does. */
    @Test
    void aReadOnlyFileSystemIsReportedAsSuch() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Path ro = Host.mountTmpfs(Files.createDirectories(storage.resolve("ro")), "1m", "tether-ro");
        try {
            LocalDirectoryConnector connector = connector(storage);
            assertFalse(connector.probe(UriParser.parse("file://" + ro)).readOnly());
            Host.ok(10, "mount", "-o", "remount,ro", ro.toString());
            assertTrue(connector.probe(UriParser.parse("file://" + ro)).readOnly());
            assertTrue(connector.establish(UriParser.parse("file://" + ro)).readOnly());
        } finally {
            Host.unmount(ro);
        }
    }
}
