package io.tether.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.h2.tools.Restore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pre-migration backup, the used-store marker, and a restore's seq, on real H2 files. */
class BackupsTest {
    @TempDir
    Path dir;

    @Test
    void aFreshStoreStartsEmptyAndIsMarkedUsed() throws Exception {
        StoreFiles files = new StoreFiles(dir.resolve("db"));
        try (Store store = Store.open(files.dir())) {
            assertEquals(0, store.lastSeq());
        }
        assertTrue(files.used());
        assertFalse(Files.exists(files.backups()), "a new database is not backed up: there is nothing to lose");
        Files.delete(files.database());
        UnusableStoreException missing = assertThrows(UnusableStoreException.class, () -> Store.open(files.dir()));
        assertTrue(missing.getMessage().startsWith("database " + files.database() + " is missing"), missing.getMessage());
        assertFalse(Files.exists(files.database()), "no empty database was made in its place");
    }

    @Test
    void aStoreOfAVersionBeforeTheMarkerIsUsedByItsCredentialKey() throws Exception {
        // Versions before the marker made the key with the database: a key without a database is
        // a store that lost its database, also on the first start of this version.
        StoreFiles files = new StoreFiles(dir.resolve("db"));
        try (Store store = Store.open(files.dir())) {
            assertEquals(0, store.lastSeq());
        }
        Files.delete(files.usedMarker());
        Files.delete(files.database());
        assertTrue(files.used(), "the key says so");
        UnusableStoreException missing = assertThrows(UnusableStoreException.class, () -> Store.open(files.dir()));
        assertTrue(missing.getMessage().startsWith("database " + files.database() + " is missing"), missing.getMessage());
        assertTrue(missing.getMessage().contains("credentials.key is there"), missing.getMessage());
        assertFalse(Files.exists(files.database()), "no empty database was made in its place");
    }

    @Test
    void aMigrationIsPrecededByABackupH2CanRestore() throws Exception {
        StoreFiles files = new StoreFiles(Files.createDirectories(dir.resolve("db")));
        Flyway.configure().dataSource(files.url(false), "tether", "").locations("classpath:db/migration").target("1")
                .load().migrate();
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "")) {
            db.createStatement().execute("UPDATE event_seq SET seq = 41 WHERE id = 1");
        }
        try (Store store = Store.open(files.dir())) {
            assertEquals(41, store.lastSeq());
        }
        List<Path> backups;
        try (Stream<Path> listed = Files.list(files.backups())) {
            backups = listed.toList();
        }
        assertEquals(1, backups.size(), backups.toString());
        assertTrue(backups.get(0).getFileName().toString().startsWith("before-V5-from-V1-"), backups.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(backups.get(0))));

        Path restored = Files.createDirectories(dir.resolve("h2-restore"));
        Restore.execute(backups.get(0).toString(), restored.toString(), "tether");
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + restored.resolve("tether") + ";IFEXISTS=TRUE", "tether", "");
             ResultSet rs = db.createStatement().executeQuery("SELECT MAX(\"version\") FROM \"flyway_schema_history\"")) {
            rs.next();
            assertEquals("1", rs.getString(1), "the backup is the database as it was before the migration");
        }
    }

    @Test
    void aRestoreNeverSendsTheSeqBack() throws Exception {
        StoreFiles files = new StoreFiles(dir.resolve("db"));
        try (Store store = Store.open(files.dir())) {
            store.deletePublished(5);
        }
        Path backup = dir.resolve("b.zip");
        assertEquals(5, Backups.write(files, backup).seq());
        try (Store store = Store.open(files.dir())) {
            store.deletePublished(Long.MAX_VALUE - 10);
        }
        Backups.Done outcome = Backups.restore(files, backup);
        assertEquals(Long.MAX_VALUE - 10, outcome.seq(), "above the replaced database's");
        assertTrue(Files.exists(outcome.replaced().orElseThrow()));
        try (Store store = Store.open(files.dir())) {
            assertEquals(Long.MAX_VALUE - 10, store.lastSeq());
        }
        Files.delete(files.database());
        long before = System.currentTimeMillis();
        assertTrue(Backups.restore(files, backup).seq() >= before, "above the time, when the replaced one is gone");
    }
}
