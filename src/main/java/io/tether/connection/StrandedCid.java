package io.tether.connection;

import io.tether.uri.StorageType;
import java.time.Instant;
import java.util.Optional;

/**
 * A managed CID whose stored row the current rules cannot serve: its URI no longer parses (stored
 * by an earlier version under looser rules, or edited by hand), or it names the same connection as
 * an earlier CID with other settings. Such a CID is never dropped or hidden: it stays managed, is
 * listed DISCONNECTED with {@link #error()} saying why and what to do, can be unmanaged, and a
 * manage of its CID replaces it. Nothing is connected or disconnected for it.
 *
 * @param connectionKey the key stored with the row: the earlier version's, shown as the CID's key
 */
public record StrandedCid(String cid, String connectionKey, Instant managedAt, LastError error) {
    /**
     * The storage type named by the stored key's scheme, for the list's connection info; empty for
     * a key (edited by hand) that names none.
     */
    public Optional<StorageType> type() {
        int end = connectionKey.indexOf("://");
        return end < 0 ? Optional.empty() : StorageType.ofScheme(connectionKey.substring(0, end));
    }
}
