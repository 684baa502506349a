package io.tether.store;

import io.tether.connection.ManagedCid;
import java.time.Instant;
import java.util.List;

/**
 * The stored CIDs as {@link Store#loadCids()} reads them: those the current rules take, and the
 * rows they refuse, which are kept, never dropped.
 */
public record StoredCids(List<ManagedCid> managed, List<StoredCids.UnreadableRow> unreadable) {
    /**
     * A stored row whose URI the current rules refuse.
     *
     * @param connectionKey the key stored with it, as the version that wrote it made it
     * @param reason        why the URI is refused; never a piece of a URI that may hold a secret
     */
    public record UnreadableRow(String cid, String connectionKey, Instant managedAt, String reason) {
    }
}
