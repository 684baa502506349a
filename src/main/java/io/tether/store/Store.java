package io.tether.store;

import io.tether.api.Reply;
import io.tether.connection.ConnectionKey;
import io.tether.connection.InvalidUriException;
import io.tether.connection.LegacySpelling;
import io.tether.connection.ManagedCid;
import io.tether.connection.StorageUri;
import io.tether.connection.UriParser;
import io.tether.files.TrustedPaths;
import io.tether.metrics.Meters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's durable state in an embedded H2 file database: managed CIDs, the event sequence and
 * outbox, and the log of recent replies. One JDBC connection, used under one lock; every change
 * goes through a {@link Transaction}, so a request's rows, its events and its reply commit together
 * or not at all.
 */
public final class Store implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);
    /** Replies kept for redelivered requests; only the last few can ever be in doubt. */
    static final int REPLIES_KEPT = 10_000;

    private final String url;
    private final CredentialCipher cipher;
    private final Meters.Store meters;
    // Held by a Transaction across calls, so an explicit lock rather than synchronized.
    private final ReentrantLock lock = new ReentrantLock();
    private Connection db;
    /** Whether {@code db} is open, for health checks that must not wait for the lock. */
    private volatile boolean open;
    private long requestLogPosition;
    /**
     * The request log's ids and positions, oldest first, mirrored in memory: nearly every request
     * is new, and this answers "handled before?" without a database lookup or an index to update.
     * Guarded by itself, so a lookup need not wait for the store's lock.
     */
    private final LinkedHashMap<String, Long> recentRequests = new LinkedHashMap<>();

    private Store(String url, CredentialCipher cipher, Meters.Store meters) {
        this.url = url;
        this.cipher = cipher;
        this.meters = meters;
    }

    /**
     * Opens (creating and migrating as needed) the database in {@code dir}.
     *
     * @throws UnusableStoreException the database or its credential key is missing, empty or damaged
     *                                where a store has been used: nothing is created in its place
     */
    public static Store open(Path dir) throws IOException {
        return open(dir, Meters.Store.NONE);
    }

    /** Like {@link #open(Path)}, timing each commit into {@code meters}. */
    public static Store open(Path dir, Meters.Store meters) throws IOException {
        TrustedPaths.privateDirectory(dir, "database dir");
        StoreFiles files = new StoreFiles(dir);
        if (files.used()) {
            requireDatabase(files);
        }
        migrate(files);
        CredentialCipher cipher = openKey(files);
        markUsed(files);
        // From here on H2 never creates a database: one that vanished under a running worker is an error.
        Store store = new Store(files.url(true), cipher, meters);
        store.read("opening the database", db -> null);
        return store;
    }

    /** A used store's database must be there with content: H2 would otherwise make an empty one. */
    private static void requireDatabase(StoreFiles files) throws IOException {
        String used = ", but this data dir has been used (" + files.usedSign().getFileName() + " is there): ";
        if (!Files.exists(files.database(), LinkOption.NOFOLLOW_LINKS)) {
            throw new UnusableStoreException("database " + files.database() + " is missing" + used
                    + UnusableStoreException.recovery(files));
        }
        if (!files.hasDatabase()) {
            throw new UnusableStoreException("database " + files.database() + " is empty (0 bytes)" + used
                    + UnusableStoreException.recovery(files));
        }
    }

    /** Brings the schema up to date, after a backup when there is a schema to change. */
    private static void migrate(StoreFiles files) throws IOException {
        // A used store's database exists (checked above): IFEXISTS keeps H2 from making a new one.
        Flyway flyway = Flyway.configure().dataSource(files.url(files.used()), "tether", "")
                .locations("classpath:db/migration").loggers("slf4j").load();
        try {
            MigrationInfoService info = flyway.info();
            MigrationInfo current = info.current();
            if (current == null && files.used()) {
                // H2 opened the file by falling back to a version from before the first migration.
                throw new UnusableStoreException("database " + files.database() + " holds no tables, but this data dir"
                        + " has been used: " + UnusableStoreException.recovery(files));
            }
            if (current != null && info.pending().length > 0) {
                Backups.beforeMigration(files, current.getVersion().getVersion(), info.pending()[info.pending().length - 1]
                        .getVersion().getVersion());
            }
            flyway.migrate();
        } catch (FlywayException e) {
            throw unreadable(files, e);
        }
    }

    /** H2's or Flyway's failure to open the database, in one line that says what to do. */
    static UnusableStoreException unreadable(StoreFiles files, Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof SQLException)) {
            cause = cause.getCause();
        }
        String said = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage().lines().findFirst().orElse("");
        return new UnusableStoreException("database " + files.database() + " cannot be opened (" + said + "): if its file"
                + " system is full or read-only, free space or remount it read-write and start again; if the file is"
                + " damaged, " + UnusableStoreException.recovery(files));
    }

    /**
     * The credential key, created if there is none and no credentials were sealed with one. A key
     * that is missing or does not open the database's sealed credentials is refused: a new key
     * would make every CID with credentials unusable.
     */
    private static CredentialCipher openKey(StoreFiles files) throws IOException {
        Optional<Sealed> sample = sealedSample(files);
        if (sample.isPresent() && !Files.exists(files.key(), LinkOption.NOFOLLOW_LINKS)) {
            throw new UnusableStoreException("credential key " + files.key() + " is missing, and database "
                    + files.database() + " holds credentials sealed with it: put the key back (from a backup: it is in"
                    + " every backup's zip), or " + UnusableStoreException.recovery(files));
        }
        CredentialCipher cipher = CredentialCipher.open(files.key());
        if (sample.isPresent() && !cipher.opens(sample.get().secret(), sample.get().cid())) {
            throw new UnusableStoreException("credential key " + files.key() + " is not the key the credentials in database "
                    + files.database() + " were sealed with (replaced?): put the original back (it is in every backup's"
                    + " zip), or " + UnusableStoreException.recovery(files));
        }
        return cipher;
    }

    private record Sealed(String cid, byte[] secret) {
    }

    /** One sealed credential of the database, if it holds any, to try the key on. */
    private static Optional<Sealed> sealedSample(StoreFiles files) throws IOException {
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "");
             ResultSet rs = db.createStatement().executeQuery(
                     "SELECT cid, secret FROM managed_cid WHERE secret IS NOT NULL LIMIT 1")) {
            return rs.next() ? Optional.of(new Sealed(rs.getString(1), rs.getBytes(2))) : Optional.empty();
        } catch (SQLException e) {
            throw unreadable(files, e);
        }
    }

    static void markUsed(StoreFiles files) throws IOException {
        if (!Files.exists(files.usedMarker(), LinkOption.NOFOLLOW_LINKS)) {
            TrustedPaths.createNew(files.usedMarker(), ("This store has been used: a missing or empty " + StoreFiles.DATABASE
                    + " here is a damaged one, not a new one (docs/operations.md, \"Upgrades and recovery\").\n")
                    .getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);
        }
    }

    /**
     * Every stored CID, with credentials decrypted, oldest first. A row whose URI the current rules
     * refuse is returned as {@link Unreadable}, never dropped; one written in an IPv4 spelling that
     * earlier versions took ({@link LegacySpelling}) is rewritten in today's spelling, in the same
     * commit as the read.
     */
    public Stored loadCids() {
        return read("loading managed CIDs", db -> {
            List<ManagedCid> managed = new ArrayList<>();
            List<Unreadable> unreadable = new ArrayList<>();
            List<ManagedCid> rewritten = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT cid, uri, secret, managed_at, connection_key FROM managed_cid ORDER BY managed_at, cid");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String cid = rs.getString(1);
                    byte[] secret = rs.getBytes(3);
                    String uri = secret == null ? rs.getString(2) : cipher.decrypt(secret, cid);
                    Instant managedAt = rs.getTimestamp(4).toInstant();
                    try {
                        managed.add(new ManagedCid(cid, UriParser.parse(uri), managedAt));
                    } catch (InvalidUriException e) {
                        Optional<String> today = LegacySpelling.rewrite(uri);
                        if (today.isPresent()) {
                            ManagedCid now = new ManagedCid(cid, parsed(today.get()), managedAt);
                            managed.add(now);
                            rewritten.add(now);
                            log.info("cid={} key={} stored in an older spelling as {}: rewritten", cid, now.key(), rs.getString(5));
                        } else {
                            // The parser's message never quotes a piece of a URI that may hold a secret.
                            unreadable.add(new Unreadable(cid, rs.getString(5), managedAt, e.getMessage()));
                        }
                    }
                }
            }
            for (ManagedCid now : rewritten) {
                try (PreparedStatement ps = db.prepareStatement(
                        "UPDATE managed_cid SET connection_key = ?, uri = ?, secret = ? WHERE cid = ?")) {
                    StorageUri uri = now.uri();
                    ps.setString(1, now.key().value());
                    ps.setString(2, uri.toString());
                    ps.setBytes(3, uri.hasCredentials() ? cipher.encrypt(uri.toStringWithCredentials(), now.cid()) : null);
                    ps.setString(4, now.cid());
                    ps.executeUpdate();
                }
            }
            return new Stored(managed, unreadable);
        });
    }

    private static StorageUri parsed(String uri) {
        try {
            return UriParser.parse(uri);
        } catch (InvalidUriException e) {
            throw new IllegalStateException("a rewritten URI parses: LegacySpelling checked it", e);
        }
    }

    /**
     * Connections whose last CID was unmanaged but which were not disconnected yet (the worker
     * stopped, or was killed, first). A row the current rules cannot parse is logged and skipped:
     * its mount is then listed as unmanaged, for the operator.
     */
    public List<StorageUri> pendingDisconnects() {
        return read("loading pending disconnects", db -> {
            List<StorageUri> pending = new ArrayList<>();
            try (ResultSet rs = db.createStatement().executeQuery("SELECT connection_key, uri, secret FROM pending_disconnect")) {
                while (rs.next()) {
                    byte[] secret = rs.getBytes(3);
                    try {
                        pending.add(UriParser.parse(secret == null ? rs.getString(2) : cipher.decrypt(secret, pendingAad(rs.getString(1)))));
                    } catch (InvalidUriException | IllegalStateException e) {
                        // IllegalStateException: its secret does not open with this key (replaced).
                        log.warn("key={} pending disconnect of a URI this version cannot read, left to the operator: {}",
                                rs.getString(1), e.getMessage());
                    }
                }
            }
            return pending;
        });
    }

    /** What a pending disconnect's secret is bound to: its key, in a name no CID can have ('/'). */
    private static String pendingAad(String connectionKey) {
        return "pending-disconnect/" + connectionKey;
    }

    /** The stored CIDs: those the current rules take, and the rows they refuse. */
    public record Stored(List<ManagedCid> managed, List<Unreadable> unreadable) {
    }

    /**
     * A stored row whose URI the current rules refuse.
     *
     * @param connectionKey the key stored with it, as the version that wrote it made it
     * @param reason        why the URI is refused; never a piece of a URI that may hold a secret
     */
    public record Unreadable(String cid, String connectionKey, Instant managedAt, String reason) {
    }

    /**
     * The highest event seq ever handed out: the outbox's newest event, or when the outbox has been
     * trimmed empty, the seq recorded by that trim.
     */
    public long lastSeq() {
        return read("reading event seq", db -> {
            return lastSeq(db);
        });
    }

    static long lastSeq(Connection db) throws SQLException {
        try (ResultSet rs = db.createStatement().executeQuery(
                "SELECT GREATEST((SELECT seq FROM event_seq WHERE id = 1), COALESCE((SELECT MAX(seq) FROM event_outbox), 0))")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Makes the next event's seq {@code floor + 1} at least, and drops the events not yet published:
     * for a restored database, whose events describe a state engines must now list again.
     */
    void restartSeqAbove(long floor) {
        read("raising the event seq", db -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE event_seq SET seq = GREATEST(seq, ?) WHERE id = 1")) {
                ps.setLong(1, floor);
                ps.executeUpdate();
            }
            return db.createStatement().executeUpdate("DELETE FROM event_outbox");
        });
    }

    /** How many CIDs are recorded (whether or not their URIs still parse). */
    int cidCount() {
        return read("counting managed CIDs", db -> {
            try (ResultSet rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM managed_cid")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** Events written but not yet confirmed published, oldest first. */
    public List<OutboxEvent> pendingEvents(long afterSeq, int limit) {
        return read("reading the event outbox", db -> {
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
            }
            return events;
        });
    }

    /**
     * Forgets events up to {@code seq} once the broker has them, and records {@code seq} as handed
     * out in the same commit, as the outbox may be left empty.
     */
    public void deletePublished(long seq) {
        read("trimming the event outbox", db -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE event_seq SET seq = GREATEST(seq, ?) WHERE id = 1")) {
                ps.setLong(1, seq);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM event_outbox WHERE seq <= ?")) {
                ps.setLong(1, seq);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * The reply recorded for a request already handled, if it is among the recent ones:
     * {@link Reply#NONE} when it needed none (a notification).
     */
    public Optional<Reply> findReply(String requestId) {
        // Nearly every request is new: answered from memory, without waiting for the store's lock,
        // which the event publisher or a monitor's transaction may hold.
        Long position;
        synchronized (recentRequests) {
            position = recentRequests.get(requestId);
        }
        if (position == null) {
            return Optional.empty();
        }
        return read("reading the request log", db -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT reply FROM request_log WHERE position = ?")) {
                ps.setLong(1, position);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String json = rs.getString(1);
                    return Optional.of(json == null ? Reply.NONE : new Reply.Send(json));
                }
            }
        });
    }

    /**
     * Starts a transaction. The store stays locked to other threads until it is committed or
     * closed, so keep it short.
     */
    public Transaction begin() {
        return new Transaction();
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

    /** An event waiting in the outbox. */
    public record OutboxEvent(long seq, String body) {
    }

    /** One atomic change. Closing without {@link #commit()} rolls everything back. */
    public final class Transaction implements AutoCloseable {
        private boolean done;
        /** Request log rows written, and the position trimmed to, applied to memory on commit. */
        private final Map<String, Long> recorded = new LinkedHashMap<>();
        private long trimmedTo;
        /** Where the request log ended before this transaction: a rollback goes back to it. */
        private final long startPosition;

        private Transaction() {
            lock.lock();
            try {
                reopenIfClosed();
            } catch (SQLException e) {
                lock.unlock();
                throw new StoreException("opening the database", e);
            }
            startPosition = requestLogPosition;
        }

        public void insertCid(ManagedCid managed) {
            write("recording a managed CID", "INSERT INTO managed_cid (cid, connection_key, uri, secret, managed_at) VALUES (?, ?, ?, ?, ?)", ps -> {
                StorageUri uri = managed.uri();
                ps.setString(1, managed.cid());
                ps.setString(2, managed.key().value());
                ps.setString(3, uri.toString());
                ps.setBytes(4, uri.hasCredentials() ? cipher.encrypt(uri.toStringWithCredentials(), managed.cid()) : null);
                ps.setTimestamp(5, Timestamp.from(managed.managedAt()));
            });
        }

        public void deleteCid(String cid) {
            write("removing a managed CID", "DELETE FROM managed_cid WHERE cid = ?", ps -> ps.setString(1, cid));
        }

        /** Remembers that connection {@code uri} is to be disconnected: its last CID went. */
        public void addPendingDisconnect(StorageUri uri) {
            write("recording a pending disconnect", "MERGE INTO pending_disconnect (connection_key, uri, secret)"
                    + " KEY (connection_key) VALUES (?, ?, ?)", ps -> {
                ps.setString(1, uri.key().value());
                ps.setString(2, uri.toString());
                ps.setBytes(3, uri.hasCredentials()
                        ? cipher.encrypt(uri.toStringWithCredentials(), pendingAad(uri.key().value())) : null);
            });
        }

        /** Forgets a pending disconnect: done, or the connection is wanted again. */
        public void removePendingDisconnect(ConnectionKey key) {
            write("removing a pending disconnect", "DELETE FROM pending_disconnect WHERE connection_key = ?",
                    ps -> ps.setString(1, key.value()));
        }

        /** Appends an event; {@code seq} must be above every seq handed out before. */
        public void appendEvent(long seq, String body) {
            write("recording a status event", "INSERT INTO event_outbox (seq, body) VALUES (?, ?)", ps -> {
                ps.setLong(1, seq);
                ps.setString(2, body);
            });
        }

        /** Records the reply to a request so a redelivery of it is answered, not run again. */
        public void recordReply(String requestId, Reply reply) {
            long position = requestLogPosition + 1;
            write("recording a reply", "INSERT INTO request_log (position, request_id, reply) VALUES (?, ?, ?)", ps -> {
                ps.setLong(1, position);
                ps.setString(2, requestId);
                ps.setString(3, reply instanceof Reply.Send send ? send.json() : null);
            });
            requestLogPosition = position;
            recorded.put(requestId, position);
            if (position % 1000 == 0) {
                trimmedTo = position - REPLIES_KEPT;
                write("trimming the request log", "DELETE FROM request_log WHERE position <= ?", ps -> ps.setLong(1, trimmedTo));
            }
        }

        public void commit() {
            try {
                long start = System.nanoTime();
                db.commit();
                meters.committed(System.nanoTime() - start);
                done = true;
                synchronized (recentRequests) {
                    recentRequests.putAll(recorded);
                    for (var oldest = recentRequests.values().iterator(); oldest.hasNext() && oldest.next() <= trimmedTo; ) {
                        oldest.remove();
                    }
                }
            } catch (SQLException e) {
                throw failed("committing", e);
            }
        }

        @Override
        public void close() {
            try {
                if (!done && db != null) {
                    db.rollback();
                    // The ids in memory change only on commit; only the next position goes back.
                    requestLogPosition = startPosition;
                }
            } catch (SQLException e) {
                failed("rolling back", e);
            } finally {
                lock.unlock();
            }
        }

        private void write(String operation, String sql, SqlParams params) {
            try (PreparedStatement ps = db.prepareStatement(sql)) {
                params.set(ps);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw failed(operation, e);
            }
        }
    }

    private <T> T read(String operation, SqlWork<T> work) {
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
        readRequestLog();
        open = true;
    }

    private void readRequestLog() throws SQLException {
        Map<String, Long> recent = new LinkedHashMap<>();
        long position = 0;
        try (ResultSet rs = db.createStatement().executeQuery("SELECT request_id, position FROM request_log ORDER BY position")) {
            while (rs.next()) {
                position = rs.getLong(2);
                recent.put(rs.getString(1), position);
            }
        }
        requestLogPosition = position;
        synchronized (recentRequests) {
            recentRequests.clear();
            recentRequests.putAll(recent);
        }
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection db) throws SQLException;
    }

    @FunctionalInterface
    private interface SqlParams {
        void set(PreparedStatement ps) throws SQLException;
    }
}
