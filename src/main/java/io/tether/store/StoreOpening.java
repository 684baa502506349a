package io.tether.store;

import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

/**
 * Readies a data dir's database for a {@link Store}: refuses one that a used store has lost or
 * emptied, migrates its schema (after a backup), and opens or creates its credential key. Nothing
 * here creates a database where a used one should be.
 */
final class StoreOpening {
    private StoreOpening() {
    }

    /** A database checked, migrated and marked used, with the key that opens its credentials. */
    record Ready(StoreFiles files, CredentialCipher cipher) {
    }

    /**
     * Checks, migrates and marks the store in {@code dir}.
     *
     * @throws UnusableStoreException the database or its credential key is missing, empty or damaged
     *                                where a store has been used: nothing is created in its place
     */
    static Ready ready(Path dir) throws IOException {
        TrustedPaths.privateDirectory(dir, "database dir");
        StoreFiles files = new StoreFiles(dir);
        if (files.used()) {
            requireDatabase(files);
        }
        migrate(files);
        CredentialCipher cipher = openKey(files);
        markUsed(files);
        return new Ready(files, cipher);
    }

    /** A used store's database must be there with content: H2 would otherwise make an empty one. */
    private static void requireDatabase(StoreFiles files) throws IOException {
        String used = ", but this data dir has been used (" + files.usedSign().getFileName() + " is there): ";
        if (!Files.exists(files.database(), LinkOption.NOFOLLOW_LINKS)) {
            throw new UnusableStoreException("database " + files.database() + " is missing" + used
                    + UnusableStoreException.recovery(files));
        }
        if (!files.hasDatabase()) {
            throw new UnusableStoreException("database " + files.database() + " is empty (0 bytes)" + used
                    + UnusableStoreException.recovery(files));
        }
    }

    /**
     * Brings the schema up to date, after a backup when there is a schema to change: the SQL
     * migrations in {@code db/migration}, and the ones that need Java to rewrite rows.
     */
    private static void migrate(StoreFiles files) throws IOException {
        // A used store's database exists (checked above): IFEXISTS keeps H2 from making a new one.
        Flyway flyway = Flyway.configure().dataSource(files.url(files.used()), "tether", "")
                .locations("classpath:db/migration").javaMigrations(new OutboxSelectorsMigration())
                .loggers("slf4j").load();
        try {
            MigrationInfoService info = flyway.info();
            MigrationInfo current = info.current();
            if (current == null && files.used()) {
                // H2 opened the file by falling back to a version from before the first migration.
                throw new UnusableStoreException("database " + files.database() + " holds no tables, but this data dir"
                        + " has been used: " + UnusableStoreException.recovery(files));
            }
            if (current != null && info.pending().length > 0) {
                Backups.beforeMigration(files, current.getVersion().getVersion(), info.pending()[info.pending().length - 1]
                        .getVersion().getVersion());
            }
            flyway.migrate();
        } catch (FlywayException e) {
            throw unreadable(files, e);
        }
    }

    /** H2's or Flyway's failure to open the database, in one line that says what to do. */
    static UnusableStoreException unreadable(StoreFiles files, Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof SQLException)) {
            cause = cause.getCause();
        }
        String said = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage().lines().findFirst().orElse("");
        return new UnusableStoreException("database " + files.database() + " cannot be opened (" + said + "): if its file"
                + " system is full or read-only, free space or remount it read-write and start again; if the file is"
                + " damaged, " + UnusableStoreException.recovery(files));
    }

    /**
     * The credential key, created if there is none and no credentials were sealed with one. A key
     * that is missing or does not open the database's sealed credentials is refused: a new key
     * would make every CID with credentials unusable.
     */
    private static CredentialCipher openKey(StoreFiles files) throws IOException {
        Optional<Sealed> sample = sealedSample(files);
        if (sample.isPresent() && !Files.exists(files.key(), LinkOption.NOFOLLOW_LINKS)) {
            throw new UnusableStoreException("credential key " + files.key() + " is missing, and database "
                    + files.database() + " holds credentials sealed with it: put the key back (from a backup: it is in"
                    + " every backup's zip), or " + UnusableStoreException.recovery(files));
        }
        CredentialCipher cipher = CredentialCipher.open(files.key());
        if (sample.isPresent() && !cipher.opens(sample.get().secret(), sample.get().cid())) {
            throw new UnusableStoreException("credential key " + files.key() + " is not the key the credentials in database "
                    + files.database() + " were sealed with (replaced?): put the original back (it is in every backup's"
                    + " zip), or " + UnusableStoreException.recovery(files));
        }
        return cipher;
    }

    private record Sealed(String cid, byte[] secret) {
    }

    /** One sealed credential of the database, if it holds any, to try the key on. */
    private static Optional<Sealed> sealedSample(StoreFiles files) throws IOException {
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "");
             ResultSet rs = db.createStatement().executeQuery(
                     "SELECT cid, secret FROM managed_cid WHERE secret IS NOT NULL LIMIT 1")) {
            return rs.next() ? Optional.of(new Sealed(rs.getString(1), rs.getBytes(2))) : Optional.empty();
        } catch (SQLException e) {
            throw unreadable(files, e);
        }
    }

    static void markUsed(StoreFiles files) throws IOException {
        if (!Files.exists(files.usedMarker(), LinkOption.NOFOLLOW_LINKS)) {
            TrustedPaths.createNew(files.usedMarker(), ("This store has been used: a missing or empty " + StoreFiles.DATABASE
                    + " here is a damaged one, not a new one (docs/operations.md, \"Upgrades and recovery\").\n")
                    .getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);
        }
    }
}
