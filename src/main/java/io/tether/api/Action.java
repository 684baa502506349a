package io.tether.api;

import io.tether.uri.StorageUri;

/**
 * A decoded, validated call that acts on the worker's state: one record per state method of the
 * wire contract. The worker's {@code RequestCodec} builds them; {@code worker.StorageService} runs them.
 */
public sealed interface Action {

    /** Whether running it changes durable state (and so needs a transaction). */
    boolean changesState();

    /** {@code manageStorageServer}. */
    record Manage(String connectionId, StorageUri uri) implements Action {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code unmanageStorageServer}: exactly one of the two is set. */
    record Unmanage(String connectionId, String connectionIdPrefix) implements Action {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /**
     * {@code getStorageServerList}: one page of at most {@code limit} entries, of the CIDs after
     * {@code after} (from the start when null or empty); a null prefix lists everything.
     */
    record GetList(String connectionIdPrefix, String after, int limit) implements Action {
        /** Entries in a page when the request names no {@code limit}, and the most it may name. */
        public static final int MAX_LIMIT = 1000;

        /** The first page of everything. */
        public static GetList all() {
            return new GetList(null, null, MAX_LIMIT);
        }

        /** The first page of the CIDs starting with {@code prefix}. */
        public static GetList withPrefix(String prefix) {
            return new GetList(prefix, null, MAX_LIMIT);
        }

        @Override
        public boolean changesState() {
            return false;
        }
    }
}
