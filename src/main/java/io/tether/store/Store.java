package io.tether.store;

import io.tether.api.Reply;
import io.tether.connection.HostConnection;
import io.tether.metrics.Meters;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's durable state in an embedded H2 file database: managed CIDs ({@link CidRows}), the
 * event journal ({@link EventOutbox}), and the log of recent replies ({@link RequestLog}). One JDBC
 * connection, used under one lock; every change is one {@link Commit}, handed over whole, so a
 * request's rows, its events and its reply commit together or not at all.
 */
public final class Store implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);

    private final String url;
    private final CidRows cids;
    private final RequestLog requestLog = new RequestLog();
    private final Meters.Commits meters;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection db;
    /** Whether {@code db} is open, for health checks that must not wait for the lock. */
    private volatile boolean open;

    private Store(String url, CredentialCipher cipher, Meters.Commits meters) {
        this.url = url;
        this.cids = new CidRows(cipher);
        this.meters = meters;
    }

    /**
     * Opens (creating and migrating as needed) the database in {@code dir}.
     *
     * @throws UnusableStoreException the database or its credential key is missing, empty or damaged
     *                                where a store has been used: nothing is created in its place
     */
    public static Store open(Path dir) throws IOException {
        return open(dir, Meters.Commits.NONE);
    }

    /** Like {@link #open(Path)}, timing each commit into {@code meters}. */
    public static Store open(Path dir, Meters.Commits meters) throws IOException {
        StoreOpening.Ready ready = StoreOpening.ready(dir);
        // From here on H2 never creates a database: one that vanished under a running worker is an error.
        Store store = new Store(ready.files().url(true), ready.cipher(), meters);
        store.commitWork("opening the database", db -> null);
        return store;
    }

    /**
     * Every stored CID, with credentials decrypted, oldest first. A row whose URI the current rules
     * refuse is returned as {@link StoredCids.UnreadableRow}, never dropped; one written in an IPv4
     * spelling that earlier versions took ({@link io.tether.uri.LegacySpelling}) is rewritten
     * in today's spelling, in the same commit as the read.
     */
    public StoredCids loadCids() {
        return commitWork("loading managed CIDs", cids::load);
    }

    /**
     * Connections whose last CID was unmanaged but which were not disconnected yet (the worker
     * stopped, or was killed, first). A row the current rules cannot parse is logged and skipped:
     * its mount is then listed as unmanaged, for the operator.
     */
    public List<StorageUri> pendingDisconnects() {
        return commitWork("loading pending disconnects", cids::pendingDisconnects);
    }

    /**
     * The state each connection a CID or a pending disconnect holds was last seen in, and since
     * when: what a restarted worker compares its first look with.
     */
    public Map<ConnectionKey, HostConnection.LastSeen> lastSeen() {
        return commitWork("loading connection states", CidRows::lastSeen);
    }

    /**
     * The highest event seq ever handed out: the outbox's newest event, or when the outbox has been
     * trimmed empty, the seq recorded by that trim.
     */
    public long lastSeq() {
        return commitWork("reading event seq", EventOutbox::lastSeq);
    }

    /**
     * Makes the next event's seq {@code floor + 1} at least, and drops the events not yet published:
     * for a restored database, whose events describe a state engines must now list again.
     */
    void restartSeqAbove(long floor) {
        commitWork("raising the event seq", db -> EventOutbox.clearAbove(db, floor));
    }

    /** How many CIDs are recorded (whether or not their URIs still parse). */
    int cidCount() {
        return commitWork("counting managed CIDs", CidRows::count);
    }

    /** Events written but not yet confirmed published, oldest first. */
    public List<OutboxEvent> pendingEvents(long afterSeq, int limit) {
        return commitWork("reading the event outbox", db -> EventOutbox.after(db, afterSeq, limit));
    }

    /**
     * Forgets events up to {@code seq} once the broker has them, and records {@code seq} as handed
     * out in the same commit, as the outbox may be left empty.
     */
    public void deletePublished(long seq) {
        commitWork("trimming the event outbox", db -> EventOutbox.deleteUpTo(db, seq));
    }

    /**
     * The reply recorded for a request already handled, if it is among the recent ones:
     * {@link Reply#NONE} when it needed none (a notification).
     */
    public Optional<Reply> findReply(String requestId) {
        // Nearly every request is new: answered from memory, without waiting for the store's lock,
        // which the event publisher or a monitor's transaction may hold.
        Long position = requestLog.positionOf(requestId);
        if (position == null) {
            return Optional.empty();
        }
        return commitWork("reading the request log", db -> RequestLog.reply(db, position));
    }

    /**
     * Whether the database connection is open: false after a failure (the next operation opens it
     * again) and after {@link #close()}. Read without the store's lock.
     */
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            open = false;
            if (db != null) {
                db.close();
            }
        } catch (SQLException e) {
            log.warn("closing the database: {}", e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes {@code writes} and commits them, all or nothing: the CID rows' changes, then the
     * events, then the replies, which the request log answers redeliveries from once durable.
     */
    public void commit(Commit writes) {
        lock.lock();
        try {
            reopenIfClosed();
        } catch (SQLException e) {
            lock.unlock();
            throw new StoreException("opening the database", e);
        }
        String operation = "recording a status event";
        boolean done = false;
        try {
            cids.write(db, writes.rows());
            EventOutbox.append(db, writes.events());
            // A connector's observation logs no reply: its commit leaves the request log alone.
            boolean logsReplies = !writes.replies().isEmpty();
            operation = "recording a reply";
            RequestLog.Written replies = logsReplies ? requestLog.write(db, writes.replies()) : null;
            operation = "committing";
            long start = System.nanoTime();
            db.commit();
            meters.committed(System.nanoTime() - start);
            done = true;
            if (logsReplies) {
                requestLog.committed(replies);
            }
        } catch (CidRows.Failed e) {
            throw failed(e.operation(), e.sqlCause());
        } catch (SQLException e) {
            throw failed(operation, e);
        } finally {
            try {
                if (!done && db != null) {
                    db.rollback();
                }
            } catch (SQLException e) {
                failed("rolling back", e);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Runs {@code work} under the lock and commits what it did (a read commits nothing). */
    private <T> T commitWork(String operation, SqlWork<T> work) {
        lock.lock();
        try {
            reopenIfClosed();
            T result = work.run(db);
            db.commit();
            return result;
        } catch (SQLException e) {
            throw failed(operation, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * H2 closes a database whose file could not be written (disk full, I/O error), and the JDBC
     * connection stays useless. So after any failure the connection is dropped, and the next
     * operation opens the database again, which recovers the last committed state.
     */
    private StoreException failed(String operation, SQLException e) {
        StoreException failure = new StoreException(operation, e);
        log.warn("{}; the database connection will be reopened", failure.getMessage());
        try {
            db.close();
        } catch (SQLException ignored) {
            // It is being dropped because it failed already.
        }
        db = null;
        open = false;
        return failure;
    }

    private void reopenIfClosed() throws SQLException {
        if (db != null) {
            return;
        }
        db = DriverManager.getConnection(url, "tether", "");
        db.setAutoCommit(false);
        requestLog.reload(db);
        open = true;
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection db) throws SQLException;
    }
}
