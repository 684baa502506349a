package io.tether.store;

import java.io.IOException;

/**
 * The store cannot be opened as it is (its database is missing, empty or unreadable in a data dir
 * that has been used, its credential key is missing or not the database's): the message says, in
 * one line, which file and what to do. Nothing in the store was changed.
 */
public final class UnusableStoreException extends IOException {
    UnusableStoreException(String message) {
        super(message);
    }

    /** The end of each message about a damaged database: how to get the CIDs back. */
    static String recovery(StoreFiles files) {
        return "restore a backup with 'tether data restore --data-dir " + files.dataDir() + " BACKUP.zip' (taken with"
                + " 'tether data backup', or before a migration in " + files.backups() + "), or start with no CIDs with"
                + " 'tether data restore --data-dir " + files.dataDir() + " --empty'";
    }
}
