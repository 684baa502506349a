package io.tether.connection;

import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
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

    /** A CID as the list shows it: exactly one of {@code served} and {@code stranded} is set. */
    public record Listed(String cid, ManagedCid served, StrandedCid stranded) {
    }

    /**
     * CIDs starting with {@code prefix} (all when null) that sort after {@code after} (from the
     * first when null), served and stranded alike, in CID order; read as they are walked.
     */
    public Iterator<Listed> listed(String prefix, String after) {
        PeekingIterator<ManagedCid> served = new PeekingIterator<>(walk(cids, prefix, after));
        PeekingIterator<StrandedCid> kept = new PeekingIterator<>(walk(stranded, prefix, after));
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return served.peek() != null || kept.peek() != null;
            }

            @Override
            public Listed next() {
                ManagedCid s = served.peek();
                StrandedCid k = kept.peek();
                if (s == null && k == null) {
                    throw new NoSuchElementException();
                }
                if (k == null || s != null && s.cid().compareTo(k.cid()) < 0) {
                    served.take();
                    return new Listed(s.cid(), s, null);
                }
                kept.take();
                return new Listed(k.cid(), null, k);
            }
        };
    }

    /** The values whose CID starts with {@code prefix} and sorts after {@code after}, in CID order. */
    private static <T> Iterator<T> walk(TreeMap<String, T> byCid, String prefix, String after) {
        NavigableMap<String, T> from = after != null && (prefix == null || after.compareTo(prefix) >= 0)
                ? byCid.tailMap(after, false)
                : prefix != null ? byCid.tailMap(prefix, true) : byCid;
        Iterator<Map.Entry<String, T>> entries = from.entrySet().iterator();
        return new Iterator<>() {
            private Map.Entry<String, T> next = advance();

            private Map.Entry<String, T> advance() {
                // Every CID with the prefix sorts at or after it, and they are contiguous: walk until the
                // first without it. No upper bound string can stand for "any character follows", as a
                // CID may continue with U+FFFF itself.
                Map.Entry<String, T> e = entries.hasNext() ? entries.next() : null;
                return e != null && (prefix == null || e.getKey().startsWith(prefix)) ? e : null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public T next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                T value = next.getValue();
                next = advance();
                return value;
            }
        };
    }

    /** An iterator whose next value can be looked at first. */
    private static final class PeekingIterator<T> {
        private final Iterator<T> values;
        private T head;

        PeekingIterator(Iterator<T> values) {
            this.values = values;
            this.head = values.hasNext() ? values.next() : null;
        }

        T peek() {
            return head;
        }

        void take() {
            head = values.hasNext() ? values.next() : null;
        }
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
        List<T> matching = new ArrayList<>();
        walk(byCid, prefix, null).forEachRemaining(matching::add);
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
    public List<HostConnection> unheld() {
        List<HostConnection> unheld = new ArrayList<>();
        for (HostConnection c : connections.values()) {
            if (c.cids().isEmpty()) {
                unheld.add(c);
            }
        }
        return unheld;
    }
}
