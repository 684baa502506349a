package io.tether.store;

import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.h2.tools.Restore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of the store, and restoring one. A backup is the zip H2's {@code BACKUP TO} writes (a
 * consistent copy, so H2's own {@code org.h2.tools.Restore} reads it too) with the credential key
 * added as {@code credentials.key}: the sealed credentials are useless without it. Backups are
 * this user's alone (0600). Restoring needs the worker stopped: the caller holds the data dir's lock.
 *
 * <p>A restored database never hands out a seq engines have seen: its seq starts above the
 * backup's, above the replaced database's (when that can still be read) and above the time of the
 * restore in milliseconds since 1970, which no worker's seq reaches (it would take a thousand events
 * a second since 1970). Engines following the host see a gap and list again, as they must, since the
 * CIDs changed without events.
 */
public final class Backups {
    private static final Logger log = LoggerFactory.getLogger(Backups.class);
    static final String KEY_ENTRY = "credentials.key";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private Backups() {
    }

    /** What a backup or a restore did. {@code replaced}: where the database it replaced was kept, if there was one. */
    public record Done(Path file, int cids, long seq, Optional<Path> replaced) {
    }

    /** Backs up the store of a stopped worker to {@code target}, which must not exist. */
    public static Done write(StoreFiles files, Path target) throws IOException {
        if (!files.hasDatabase()) {
            throw new NoSuchFileException(files.database().toString(), null, "no database to back up");
        }
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "")) {
            write(db, files, target);
            int cids;
            try (var rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM managed_cid")) {
                rs.next();
                cids = rs.getInt(1);
            }
            return new Done(target, cids, EventOutbox.lastSeq(db), Optional.empty());
        } catch (SQLException e) {
            throw StoreOpening.unreadable(files, e);
        }
    }

    /** Backs up a database about to be migrated from schema {@code from} to {@code to}, into {@link StoreFiles#backups()}. */
    static void beforeMigration(StoreFiles files, String from, String to) throws IOException {
        TrustedPaths.privateDirectory(files.backups(), "backups dir");
        Path target = files.backups().resolve("before-V" + to + "-from-V" + from + "-" + STAMP.format(Instant.now()) + ".zip");
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "")) {
            write(db, files, target);
        } catch (SQLException e) {
            throw StoreOpening.unreadable(files, e);
        }
        log.info("database schema V{} is migrated to V{}; backed up first to {}", from, to, target);
    }

    private static void write(Connection db, StoreFiles files, Path target) throws IOException, SQLException {
        Path absolute = target.toAbsolutePath();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(absolute.toString(), null, "a backup is never written over a file");
        }
        // Made in a directory of its own (0700) and moved into place when whole: nobody else can
        // read it while H2 writes it with the umask's mode, and a failure leaves no half a backup.
        Path work = Files.createTempDirectory(absolute.getParent(), ".tether-backup-");
        try {
            Path zip = work.resolve("backup.zip");
            db.createStatement().execute("BACKUP TO '" + zip.toString().replace("'", "''") + "'");
            if (Files.exists(files.key(), LinkOption.NOFOLLOW_LINKS)) {
                byte[] key = TrustedPaths.read(files.key(), Owner.SELF, "credential key");
                try (FileSystem entries = FileSystems.newFileSystem(zip)) {
                    Files.write(entries.getPath(KEY_ENTRY), key);
                }
            }
            TrustedPaths.setPermissions(zip, TrustedPaths.PRIVATE_FILE);
            Files.move(zip, absolute);
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Replaces the store's database and key with those of {@code backup}; the replaced ones are
     * kept beside them, renamed. The worker must be stopped (the caller holds the data dir's lock).
     */
    public static Done restore(StoreFiles files, Path backup) throws IOException {
        if (!Files.isRegularFile(backup)) {
            throw new NoSuchFileException(backup.toString(), null, "no such backup");
        }
        return install(files, backup, work -> {
            try {
                Restore.execute(backup.toString(), work.toString(), "tether");
            } catch (RuntimeException e) {
                throw new IOException("backup " + backup + " cannot be read: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (!Files.exists(work.resolve(StoreFiles.DATABASE))) {
                throw new IOException("backup " + backup + " holds no " + StoreFiles.DATABASE + ": not a backup of a Tether database");
            }
            try (FileSystem entries = FileSystems.newFileSystem(backup)) {
                Path key = entries.getPath(KEY_ENTRY);
                if (Files.exists(key)) {
                    TrustedPaths.createNew(work.resolve(KEY_ENTRY), Files.readAllBytes(key), TrustedPaths.PRIVATE_FILE);
                }
            }
        });
    }

    /** Replaces the store's database with an empty one (and a new key), its seq above the replaced one's. */
    public static Done restoreEmpty(StoreFiles files) throws IOException {
        return install(files, null, work -> { });
    }

    @FunctionalInterface
    private interface Unpack {
        void into(Path work) throws IOException;
    }

    private static Done install(StoreFiles files, Path backup, Unpack unpack) throws IOException {
        TrustedPaths.privateDirectory(files.dir(), "database dir");
        long floor = Math.max(Clock.systemUTC().millis(), currentSeq(files).orElse(0L));
        Path work = Files.createTempDirectory(files.dir(), ".restore-");
        try {
            unpack.into(work);
            int cids;
            long seq;
            // Opened as the worker opens it: migrated, and its key checked against its credentials.
            try (Store restored = Store.open(work)) {
                restored.restartSeqAbove(floor);
                cids = restored.cidCount();
                seq = restored.lastSeq();
            }
            String stamp = STAMP.format(Instant.now());
            Optional<Path> replaced = keepAside(files.database(), stamp);
            keepAside(files.key(), stamp);
            Files.move(work.resolve(KEY_ENTRY), files.key(), StandardCopyOption.ATOMIC_MOVE);
            Files.move(work.resolve(StoreFiles.DATABASE), files.database(), StandardCopyOption.ATOMIC_MOVE);
            StoreOpening.markUsed(files);
            return new Done(backup, cids, seq, replaced);
        } finally {
            deleteTree(work);
        }
    }

    /** The seq of the database being replaced, if it can be read: a restore never goes below it. */
    private static Optional<Long> currentSeq(StoreFiles files) throws IOException {
        if (!files.hasDatabase()) {
            return Optional.empty();
        }
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "")) {
            return Optional.of(EventOutbox.lastSeq(db));
        } catch (SQLException damaged) {
            return Optional.empty();
        }
    }

    private static Optional<Path> keepAside(Path file, String stamp) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Path aside = file.resolveSibling(file.getFileName() + ".replaced-" + stamp);
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        return Optional.of(aside);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
