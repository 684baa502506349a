package io.tether.store;

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

    /** A pending disconnect is done, or the connection is wanted again. */
    record RemovePendingDisconnect(ConnectionKey key) implements RowChange {
    }
}
