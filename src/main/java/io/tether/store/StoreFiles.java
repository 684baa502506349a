package io.tether.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The files of the store in its directory ({@code <data-dir>/db}): the H2 database, the credential
 * key its sealed URIs need, the marker that says the store has been used, and the backups.
 */
public record StoreFiles(Path dir) {
    /** H2's file name of database {@code tether}. */
    static final String DATABASE = "tether.mv.db";

    public StoreFiles {
        dir = dir.toAbsolutePath().normalize();
    }

    /** The files of the store in a worker's data dir. */
    public static StoreFiles ofDataDir(Path dataDir) {
        return new StoreFiles(dataDir.resolve("db"));
    }

    public Path database() {
        return dir.resolve(DATABASE);
    }

    /** The AES key of the credentials sealed in the database. */
    public Path key() {
        return dir.resolve("credentials.key");
    }

    /**
     * Written once a database has been opened here: from then on a missing or empty database is a
     * damaged one, never a fresh start. A fresh data dir has none.
     */
    public Path usedMarker() {
        return dir.resolve("tether.used");
    }

    /** Where backups taken before a schema migration go. */
    public Path backups() {
        return dir.resolve("backups");
    }

    /** The data dir the store is in, as the worker's and the CLI's {@code --data-dir} name it. */
    Path dataDir() {
        return dir.getParent();
    }

    /** The JDBC URL of the database; {@code ifExists}: fail rather than create an empty one. */
    String url(boolean ifExists) {
        // WRITE_DELAY=0: a commit reaches the file before it returns, so a reply sent after it
        // survives kill -9 of the worker. MAX_LENGTH_INPLACE_LOB: events and replies (CLOBs, as a
        // few can be large) up to 64 KiB live in the row, not in H2's separate LOB store, which
        // costs extra writes on every commit. DB_CLOSE_ON_EXIT=FALSE: the worker closes the database
        // itself when it stops; H2's own shutdown hook would close it under the threads still using it.
        return "jdbc:h2:file:" + dir.resolve("tether")
                + ";WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=65536;DB_CLOSE_ON_EXIT=FALSE" + (ifExists ? ";IFEXISTS=TRUE" : "");
    }

    /**
     * Whether a store has been used here: its marker, or its credential key, which every version
     * (those before the marker too) made when it first opened the database, and nothing else makes.
     */
    boolean used() {
        // A key that is not a plain file is refused when it is opened, whatever this says.
        return Files.exists(usedMarker(), LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(key(), LinkOption.NOFOLLOW_LINKS);
    }

    /** The file that shows this store has been used ({@link #used()}). */
    Path usedSign() {
        return Files.exists(usedMarker(), LinkOption.NOFOLLOW_LINKS) ? usedMarker() : key();
    }

    /** Whether a database file with content is here (H2 leaves a zero-length one when it failed to write the first). */
    boolean hasDatabase() throws IOException {
        return Files.exists(database(), LinkOption.NOFOLLOW_LINKS) && Files.size(database()) > 0;
    }
}
