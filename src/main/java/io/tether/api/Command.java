package io.tether.api;

import io.tether.connection.StorageUri;

/** A decoded, validated request, ready to run. One record per method of the wire contract. */
public sealed interface Command {

    /** Whether running it changes durable state (and so needs a transaction). */
    boolean changesState();

    /** {@code manageStorageServer}. */
    record Manage(String connectionId, StorageUri uri) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code unmanageStorageServer}: exactly one of the two is set. */
    record Unmanage(String connectionId, String connectionIdPrefix) implements Command {
        @Override
        public boolean changesState() {
            return true;
        }
    }

    /** {@code getStorageServerList}; a null prefix lists everything. */
    record GetList(String connectionIdPrefix) implements Command {
        @Override
        public boolean changesState() {
            return false;
        }
    }
}
