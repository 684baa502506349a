package io.tether.connection;

import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.time.Instant;

/** One client's registration: a connection ID (CID) bound to a storage URI. */
public record ManagedCid(String cid, StorageUri uri, Instant managedAt) {
    public ConnectionKey key() {
        return uri.key();
    }
}
