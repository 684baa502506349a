package io.tether.connection;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * In-memory view of the host's managed CIDs and the host connections they hold; the database is
 * the durable copy. A connection stays here after its last CID goes until it is disconnected, so a
 * failed disconnect still shows. Not thread-safe: its owner guards it.
 */
public final class Registry {
    private final TreeMap<String, ManagedCid> cids = new TreeMap<>();
    private final Map<ConnectionKey, HostConnection> connections = new HashMap<>();
    private final TreeMap<String, StrandedCid> stranded = new TreeMap<>();

    public Optional<ManagedCid> cid(String cid) {
        return Optional.ofNullable(cids.get(cid));
    }

    public HostConnection connection(ConnectionKey key) {
        return connections.get(key);
    }

    public Collection<HostConnection> connections() {
        return connections.values();
    }

    /** Managed CIDs, stranded ones included. */
    public int size() {
        return cids.size() + stranded.size();
    }

    /** CIDs starting with {@code prefix} (all when null), in CID order. */
    public Collection<ManagedCid> withPrefix(String prefix) {
        return startingWith(cids, prefix);
    }

    /** Stranded CIDs starting with {@code prefix} (all when null), in CID order. */
    public Collection<StrandedCid> strandedWithPrefix(String prefix) {
        return startingWith(stranded, prefix);
    }

    public Optional<StrandedCid> stranded(String cid) {
        return Optional.ofNullable(stranded.get(cid));
    }

    /** Keeps a CID the current rules cannot serve; it counts as managed, and holds no connection. */
    public void strand(StrandedCid cid) {
        stranded.put(cid.cid(), cid);
    }

    /** Drops a stranded CID (unmanaged, or replaced by a manage). */
    public void unstrand(String cid) {
        stranded.remove(cid);
    }

    private static <T> Collection<T> startingWith(TreeMap<String, T> byCid, String prefix) {
        if (prefix == null) {
            return byCid.values();
        }
        // Every CID with the prefix sorts at or after it, and they are contiguous: walk from the
        // prefix until the first CID without it. No upper bound string can stand for "any
        // character follows", as a CID may continue with U+FFFF itself.
        List<T> matching = new ArrayList<>();
        for (Map.Entry<String, T> e : byCid.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            matching.add(e.getValue());
        }
        return matching;
    }

    /**
     * Adds a CID to its connection, creating the connection (CONNECTING) if it is new. A connection
     * left without CIDs takes the new URI's settings.
     */
    public HostConnection add(ManagedCid managed, Instant now) {
        HostConnection connection = connections.computeIfAbsent(managed.key(), k -> new HostConnection(managed.uri(), now));
        if (connection.cids().isEmpty()) {
            connection.setUri(managed.uri());
        }
        connection.mutableCids().add(managed.cid());
        // CIDs of one connection usually carry the same URI: keep one copy.
        StorageUri shared = connection.uri().equals(managed.uri()) ? connection.uri() : managed.uri();
        cids.put(managed.cid(), new ManagedCid(managed.cid(), shared, managed.managedAt()));
        return connection;
    }

    /**
     * Adds a connection no CID holds, to be disconnected: one whose last CID went before a restart
     * while it was still connected. Nothing when a CID holds the key.
     */
    public HostConnection addUnheld(StorageUri uri, Instant now) {
        return connections.computeIfAbsent(uri.key(), k -> new HostConnection(uri, now));
    }

    /** Removes a CID; its connection stays, possibly without CIDs, until {@link #forget}. */
    public HostConnection remove(String cid) {
        ManagedCid managed = cids.remove(cid);
        HostConnection connection = connections.get(managed.key());
        connection.mutableCids().remove(cid);
        return connection;
    }

    /** Undoes the settings change of {@link #add} on a connection that had no CIDs. */
    public void restoreSettings(ConnectionKey key, StorageUri uri) {
        HostConnection connection = connections.get(key);
        if (connection != null && connection.cids().isEmpty()) {
            connection.setUri(uri);
        }
    }

    /** Drops a connection that has no CIDs left. */
    public void forget(ConnectionKey key) {
        HostConnection connection = connections.get(key);
        if (connection != null && connection.cids().isEmpty()) {
            connections.remove(key);
        }
    }

    /** Connections no CID holds any more (being disconnected, or whose disconnect failed). */
    public List<HostConnection> orphans() {
        List<HostConnection> orphans = new ArrayList<>();
        for (HostConnection c : connections.values()) {
            if (c.cids().isEmpty()) {
                orphans.add(c);
            }
        }
        return orphans;
    }
}
