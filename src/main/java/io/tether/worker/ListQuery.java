package io.tether.worker;

import io.tether.api.Action;
import io.tether.api.Results;
import io.tether.api.StatusEvent;
import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.HostConnection;
import io.tether.connection.Registry;
import io.tether.connection.StrandedCid;
import io.tether.connector.ActiveConnections;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Answers {@code getStorageServerList}: pages of the host's CIDs, served and stranded alike, then
 * the connections no CID holds. Reads the {@link Registry} under the {@link StorageService}'s lock,
 * and draws each page's size from a {@link ListBudget}.
 */
final class ListQuery {
    private final Registry registry;
    private final ActiveConnections active;

    /** @param active finds connections on the host that no CID holds */
    ListQuery(Registry registry, ActiveConnections active) {
        this.registry = registry;
        this.active = active;
    }

    /**
     * One page of the list: the CIDs after {@code command.after()} in CID order, served and
     * stranded alike, as many as {@code limit} and {@code budget} allow; then, on the last page of
     * a list without a prefix, the connections no CID holds.
     *
     * @param seq the seq of the events that tell everything the page shows
     */
    Results.StorageServerList page(Action.GetList command, ListBudget budget, long seq) {
        String prefix = command.connectionIdPrefix();
        String after = command.after() == null || command.after().isEmpty() ? null : command.after();
        Map<String, Results.Entry> entries = new LinkedHashMap<>();
        // CIDs of one connection share their URI object (Registry.add), and so one entry: built
        // and measured once per connection, not once per CID.
        Map<StorageUri, Results.Entry> shared = new IdentityHashMap<>();
        Map<Results.Entry, Integer> sizes = new IdentityHashMap<>();
        Iterator<Registry.Listed> cids = registry.listed(prefix, after);
        String last = null;
        while (cids.hasNext()) {
            if (entries.size() == command.limit()) {
                return new Results.StorageServerList(seq, entries, last);
            }
            Registry.Listed listed = cids.next();
            Results.Entry entry = listed.served() != null
                    ? shared.computeIfAbsent(listed.served().uri(), uri -> entry(registry.connection(uri.key()), true))
                    : stranded(listed.stranded());
            int bytes = sizes.computeIfAbsent(entry, ListBudget::bytes) + StatusEvent.changedIdBytes(listed.cid());
            if (!budget.take(bytes)) {
                // The rest on the next page: the replies in hand stay within the budget.
                return new Results.StorageServerList(seq, entries, last != null ? last : after == null ? "" : after);
            }
            entries.put(listed.cid(), entry);
            last = listed.cid();
        }
        if (prefix == null) {
            Map<String, Results.Entry> unmanaged = unmanaged();
            int bytes = unmanaged.values().stream().mapToInt(ListBudget::bytes).sum() + 20 * unmanaged.size();
            if (!budget.take(bytes) && !budget.untouched()) {
                // On a page of their own, from a budget no other reply has drawn on: the
                // host's own connections are few, and are not paged.
                return new Results.StorageServerList(seq, entries, last != null ? last : after == null ? "" : after);
            }
            entries.putAll(unmanaged);
        }
        return new Results.StorageServerList(seq, entries, null);
    }

    /**
     * Connections no CID holds: being disconnected, left active by a failed disconnect, or made
     * on the host by someone else; under ids {@code unmanaged-1}, ... in key order.
     */
    private Map<String, Results.Entry> unmanaged() {
        Map<String, Results.Entry> entries = new LinkedHashMap<>();
        int n = 0;
        TreeMap<ConnectionKey, HostConnection> orphans = new TreeMap<>();
        registry.unheld().forEach(c -> orphans.put(c.key(), c));
        for (HostConnection orphan : orphans.values()) {
            entries.put("unmanaged-" + (++n), entry(orphan, false));
        }
        for (ActiveConnections.Active found : active.scan(registry.connections().stream()
                .map(HostConnection::uri).toList())) {
            if (registry.connection(found.key()) == null) {
                entries.put("unmanaged-" + (++n), new Results.Entry(false, true, ConnectionState.CONNECTED.name(),
                        found.key().value(), null, null, null, found.info(), null));
            }
        }
        return entries;
    }

    /** A stranded CID's list entry: managed, DISCONNECTED, with the error that tells why and what to do. */
    private static Results.Entry stranded(StrandedCid stranded) {
        return new Results.Entry(true, false, ConnectionState.DISCONNECTED.name(), stranded.connectionKey(),
                stranded.managedAt(), stranded.error(), Health.notConnected(), strandedInfo(stranded), true, null);
    }

    /** A stranded CID's connection info: its type, when its stored key names one. */
    static Map<String, Object> strandedInfo(StrandedCid stranded) {
        return stranded.type().<Map<String, Object>>map(type -> Map.of("type", type.scheme())).orElse(Map.of());
    }

    private static Results.Entry entry(HostConnection c, boolean managed) {
        return new Results.Entry(managed, c.state() == ConnectionState.CONNECTED,
                c.state().name(), c.key().value(), c.since(), c.lastError(), c.health(), c.connectionInfo(), c.retry());
    }
}
