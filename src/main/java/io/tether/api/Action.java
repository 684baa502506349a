package io.tether.api;

import io.tether.connection.StorageUri;

/**
 * A decoded, validated call that acts on the worker's state: one record per state method of the
 * wire contract. {@link RequestCodec} builds them; {@code worker.StorageService} runs them.
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

    /** {@code getStorageServerList}; a null prefix lists everything. */
    record GetList(String connectionIdPrefix) implements Action {
        @Override
        public boolean changesState() {
            return false;
        }
    }
}
