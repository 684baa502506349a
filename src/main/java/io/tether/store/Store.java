package io.tether.store;

import io.tether.connection.InvalidUriException;
import io.tether.connection.ManagedCid;
import io.tether.connection.StorageUri;
import io.tether.connection.UriParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's durable state in an embedded H2 file database: managed CIDs, the event sequence and
 * outbox, and the log of recent replies. One JDBC connection, used under this object's lock; every
 * change goes through a {@link Transaction} so a request's rows, its events and its reply commit
 * together or not at all.
 */
public final class Store implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);
    /** Replies kept for redelivered requests; only the last few can ever be in doubt. */
    static final int REPLIES_KEPT = 10_000;

    private final Connection db;
    // Held by a Transaction across calls, so an explicit lock rather than synchronized.
    private final ReentrantLock lock = new ReentrantLock();
    private final CredentialCipher cipher;
    private long requestLogPosition;

    private Store(Connection db, CredentialCipher cipher) throws SQLException {
        this.db = db;
        this.cipher = cipher;
        try (ResultSet rs = db.createStatement().executeQuery("SELECT COALESCE(MAX(position), 0) FROM request_log")) {
            rs.next();
            requestLogPosition = rs.getLong(1);
        }
    }

    /** Opens (creating and migrating as needed) the database in {@code dir}. */
    public static Store open(Path dir) throws IOException {
        Files.createDirectories(dir);
        CredentialCipher cipher = CredentialCipher.open(dir.resolve("credentials.key"));
        // WRITE_DELAY=0: a commit reaches the file before it returns, so a reply sent after it
        // survives kill -9 of the worker.
        String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("tether") + ";WRITE_DELAY=0";
        Flyway.configure().dataSource(url, "tether", "").locations("classpath:db/migration")
                .loggers("slf4j").load().migrate();
        try {
            Connection db = DriverManager.getConnection(url, "tether", "");
            db.setAutoCommit(false);
            return new Store(db, cipher);
        } catch (SQLException e) {
            throw new StoreException("opening " + dir, e);
        }
    }

    /** Every managed CID, with credentials decrypted. */
    public List<ManagedCid> loadCids() {
        lock.lock();
        try {
            List<ManagedCid> cids = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT cid, uri, secret, managed_at FROM managed_cid");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String cid = rs.getString(1);
                    byte[] secret = rs.getBytes(3);
                    String uri = secret == null ? rs.getString(2) : cipher.decrypt(secret, cid);
                    try {
                        cids.add(new ManagedCid(cid, UriParser.parse(uri), rs.getTimestamp(4).toInstant()));
                    } catch (InvalidUriException e) {
                        // Only a hand-edited database gets here; skip the row rather than refuse to start.
                        log.error("cid={} stored uri no longer parses ({}); left in the database, not managed", cid,
                                e.getMessage());
                    }
                }
                db.commit();
                return cids;
            } catch (SQLException e) {
                throw new StoreException("loading managed CIDs", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The highest event seq ever handed out. */
    public long lastSeq() {
        lock.lock();
        try {
            try (ResultSet rs = db.createStatement().executeQuery("SELECT seq FROM event_seq WHERE id = 1")) {
                rs.next();
                long seq = rs.getLong(1);
                db.commit();
                return seq;
            } catch (SQLException e) {
                throw new StoreException("reading event seq", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Events written but not yet confirmed published, oldest first. */
    public List<OutboxEvent> pendingEvents(long afterSeq, int limit) {
        lock.lock();
        try {
            List<OutboxEvent> events = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT seq, body FROM event_outbox WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new OutboxEvent(rs.getLong(1), rs.getString(2)));
                    }
                }
                db.commit();
                return events;
            } catch (SQLException e) {
                throw new StoreException("reading event outbox", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets events up to {@code seq} once the broker has them. */
    public void deletePublished(long seq) {
        lock.lock();
        try {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM event_outbox WHERE seq <= ?")) {
                ps.setLong(1, seq);
                ps.executeUpdate();
                db.commit();
            } catch (SQLException e) {
                throw new StoreException("trimming event outbox", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The reply recorded for a request already handled, if it is among the recent ones. */
    public Optional<RecordedReply> findReply(String requestId) {
        lock.lock();
        try {
            try (PreparedStatement ps = db.prepareStatement("SELECT reply FROM request_log WHERE request_id = ?")) {
                ps.setString(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    Optional<RecordedReply> found = rs.next()
                            ? Optional.of(new RecordedReply(rs.getString(1))) : Optional.empty();
                    db.commit();
                    return found;
                }
            } catch (SQLException e) {
                throw new StoreException("reading request log", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a transaction. The store stays locked to other threads until it is committed or closed,
     * so keep it short.
     */
    public Transaction begin() {
        return new Transaction();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            try {
                db.close();
            } catch (SQLException e) {
                log.warn("closing database: {}", e.getMessage());
            }
        } finally {
            lock.unlock();
        }
    }

    /** A reply found in the request log; {@code body} is null when the request needed none. */
    public record RecordedReply(String body) {
    }

    /** An event waiting in the outbox. */
    public record OutboxEvent(long seq, String body) {
    }

    /** One atomic change. Closing without {@link #commit()} rolls everything back. */
    public final class Transaction implements AutoCloseable {
        private boolean done;

        private Transaction() {
            lock.lock();
        }

        public void insertCid(ManagedCid managed) {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO managed_cid (cid, connection_key, uri, secret, managed_at) VALUES (?, ?, ?, ?, ?)")) {
                StorageUri uri = managed.uri();
                ps.setString(1, managed.cid());
                ps.setString(2, managed.key().value());
                ps.setString(3, uri.toString());
                ps.setBytes(4, uri.hasCredentials() ? cipher.encrypt(uri.toStringWithCredentials(), managed.cid()) : null);
                ps.setTimestamp(5, Timestamp.from(managed.managedAt()));
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new StoreException("recording a managed CID", e);
            }
        }

        public void deleteCid(String cid) {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM managed_cid WHERE cid = ?")) {
                ps.setString(1, cid);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new StoreException("removing a managed CID", e);
            }
        }

        /** Appends an event and moves the host's seq to it. */
        public void appendEvent(long seq, String body) {
            try (PreparedStatement insert = db.prepareStatement("INSERT INTO event_outbox (seq, body) VALUES (?, ?)");
                 PreparedStatement counter = db.prepareStatement("UPDATE event_seq SET seq = ? WHERE id = 1")) {
                insert.setLong(1, seq);
                insert.setString(2, body);
                insert.executeUpdate();
                counter.setLong(1, seq);
                counter.executeUpdate();
            } catch (SQLException e) {
                throw new StoreException("recording a status event", e);
            }
        }

        /** Records the reply to a request so a redelivery of it is answered, not run again. */
        public void recordReply(String requestId, String reply) {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO request_log (position, request_id, reply) VALUES (?, ?, ?)")) {
                ps.setLong(1, ++requestLogPosition);
                ps.setString(2, requestId);
                ps.setString(3, reply);
                ps.executeUpdate();
                if (requestLogPosition % 1000 == 0) {
                    try (PreparedStatement trim = db.prepareStatement("DELETE FROM request_log WHERE position <= ?")) {
                        trim.setLong(1, requestLogPosition - REPLIES_KEPT);
                        trim.executeUpdate();
                    }
                }
            } catch (SQLException e) {
                throw new StoreException("recording a reply", e);
            }
        }

        public void commit() {
            try {
                db.commit();
                done = true;
            } catch (SQLException e) {
                throw new StoreException("committing", e);
            }
        }

        @Override
        public void close() {
            try {
                if (!done) {
                    try {
                        db.rollback();
                    } catch (SQLException e) {
                        log.warn("rollback failed: {}", e.getMessage());
                    }
                    try (ResultSet rs = db.createStatement().executeQuery("SELECT COALESCE(MAX(position), 0) FROM request_log")) {
                        rs.next();
                        requestLogPosition = rs.getLong(1);
                    } catch (SQLException e) {
                        log.warn("re-reading request log position failed: {}", e.getMessage());
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
