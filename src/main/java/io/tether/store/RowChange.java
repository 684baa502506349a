package io.tether.store;

import io.tether.connection.ConnectionState;
import java.time.Instant;

import io.tether.connection.ManagedCid;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;

/** One change to the rows of managed CIDs and pending disconnects, made in a {@link Commit}. */
public sealed interface RowChange {
    /** A CID is managed. */
    record InsertCid(ManagedCid managed) implements RowChange {
    }

    /** A CID is unmanaged (or a stranded one replaced). */
    record DeleteCid(String cid) implements RowChange {
    }

    /** Connection {@code uri} is to be disconnected: its last CID went. */
    record AddPendingDisconnect(StorageUri uri) implements RowChange {
    }

    /**
     * Connection {@code key} is in {@code state} since {@code since}: remembered so that a restart
     * finding it in the same state keeps its since.
     */
    record RecordState(ConnectionKey key, ConnectionState state, Instant since) implements RowChange {
    }

    /** A pending disconnect is done (and the connection's remembered state with it), or the connection is wanted again. */
    record RemovePendingDisconnect(ConnectionKey key) implements RowChange {
    }
}
