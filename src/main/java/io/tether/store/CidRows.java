package io.tether.store;

import io.tether.connection.ConnectionState;
import io.tether.connection.HostConnection;
import io.tether.connection.ManagedCid;
import io.tether.uri.ConnectionKey;
import io.tether.uri.InvalidUriException;
import io.tether.uri.LegacySpelling;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the host's desired state: the managed CIDs, and the connections still to be
 * disconnected; and of the state each connection was last seen in. A URI with credentials is stored sealed by the {@link CredentialCipher}, bound to
 * its row. Runs on the {@link Store}'s connection, in its commits.
 */
final class CidRows {
    // Under the store's name, as the rest of what the store logs.
    private static final Logger log = LoggerFactory.getLogger(Store.class);

    private final CredentialCipher cipher;

    CidRows(CredentialCipher cipher) {
        this.cipher = cipher;
    }

    /** Every stored CID, oldest first; rewrites the rows in an older IPv4 spelling ({@link Store#loadCids()}). */
    StoredCids load(Connection db) throws SQLException {
        List<ManagedCid> managed = new ArrayList<>();
        List<StoredCids.UnreadableRow> unreadable = new ArrayList<>();
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
                        unreadable.add(new StoredCids.UnreadableRow(cid, rs.getString(5), managedAt, e.getMessage()));
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
                ps.setBytes(3, sealed(uri, now.cid()));
                ps.setString(4, now.cid());
                ps.executeUpdate();
            }
        }
        return new StoredCids(managed, unreadable);
    }

    private static StorageUri parsed(String uri) {
        try {
            return UriParser.parse(uri);
        } catch (InvalidUriException e) {
            throw new IllegalStateException("a rewritten URI parses: LegacySpelling checked it", e);
        }
    }

    /** The pending disconnects this version can read ({@link Store#pendingDisconnects()}). */
    List<StorageUri> pendingDisconnects(Connection db) throws SQLException {
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
    }

    /** How many CIDs are recorded (whether or not their URIs still parse). */
    static int count(Connection db) throws SQLException {
        try (ResultSet rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM managed_cid")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    void insert(Connection db, ManagedCid managed) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO managed_cid (cid, connection_key, uri, secret, managed_at) VALUES (?, ?, ?, ?, ?)")) {
            StorageUri uri = managed.uri();
            ps.setString(1, managed.cid());
            ps.setString(2, managed.key().value());
            ps.setString(3, uri.toString());
            ps.setBytes(4, sealed(uri, managed.cid()));
            ps.setTimestamp(5, Timestamp.from(managed.managedAt()));
            ps.executeUpdate();
        }
    }

    static void delete(Connection db, String cid) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM managed_cid WHERE cid = ?")) {
            ps.setString(1, cid);
            ps.executeUpdate();
        }
    }

    void addPendingDisconnect(Connection db, StorageUri uri) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "MERGE INTO pending_disconnect (connection_key, uri, secret) KEY (connection_key) VALUES (?, ?, ?)")) {
            ps.setString(1, uri.key().value());
            ps.setString(2, uri.toString());
            ps.setBytes(3, sealed(uri, pendingAad(uri.key().value())));
            ps.executeUpdate();
        }
    }

    static void removePendingDisconnect(Connection db, ConnectionKey key) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM pending_disconnect WHERE connection_key = ?")) {
            ps.setString(1, key.value());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM connection_state WHERE connection_key = ?")) {
            ps.setString(1, key.value());
            ps.executeUpdate();
        }
    }

    private static void recordState(Connection db, RowChange.RecordState record) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "MERGE INTO connection_state (connection_key, state, since) KEY (connection_key) VALUES (?, ?, ?)")) {
            ps.setString(1, record.key().value());
            ps.setString(2, record.state().name());
            ps.setTimestamp(3, Timestamp.from(record.since()));
            ps.executeUpdate();
        }
    }

    /**
     * The state each connection was last seen in, for the connections a CID or a pending disconnect
     * still holds; the rows of any other (a connection forgotten without its disconnect's commit)
     * are dropped here, so a later manage of it starts afresh.
     */
    static Map<ConnectionKey, HostConnection.LastSeen> lastSeen(Connection db) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM connection_state WHERE connection_key NOT IN"
                + " (SELECT connection_key FROM managed_cid UNION SELECT connection_key FROM pending_disconnect)")) {
            ps.executeUpdate();
        }
        Map<ConnectionKey, HostConnection.LastSeen> seen = new HashMap<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT connection_key, state, since FROM connection_state");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ConnectionState state;
                try {
                    state = ConnectionState.valueOf(rs.getString(2));
                } catch (IllegalArgumentException unknown) {
                    continue; // written by a newer version: this one starts that connection's since afresh
                }
                seen.put(new ConnectionKey(rs.getString(1)),
                        new HostConnection.LastSeen(state, rs.getTimestamp(3).toInstant()));
            }
        }
        return seen;
    }

    /** The full URI sealed and bound to {@code aad}, when it has credentials to hide. */
    private byte[] sealed(StorageUri uri, String aad) {
        return uri.hasCredentials() ? cipher.encrypt(uri.toStringWithCredentials(), aad) : null;
    }

    /** What a pending disconnect's secret is bound to: its key, in a name no CID can have ('/'). */
    private static String pendingAad(String connectionKey) {
        return "pending-disconnect/" + connectionKey;
    }

    /**
     * Makes {@code changes} in {@code db}, in order.
     *
     * @throws Failed naming what the change that failed was doing
     */
    void write(Connection db, List<RowChange> changes) throws Failed {
        for (RowChange change : changes) {
            try {
                if (change instanceof RowChange.InsertCid insert) {
                    insert(db, insert.managed());
                } else if (change instanceof RowChange.DeleteCid delete) {
                    delete(db, delete.cid());
                } else if (change instanceof RowChange.AddPendingDisconnect add) {
                    addPendingDisconnect(db, add.uri());
                } else if (change instanceof RowChange.RecordState record) {
                    recordState(db, record);
                } else {
                    removePendingDisconnect(db, ((RowChange.RemovePendingDisconnect) change).key());
                }
            } catch (SQLException e) {
                throw new Failed(operation(change), e);
            }
        }
    }

    /** What writing {@code change} does, for the failure's message. */
    private static String operation(RowChange change) {
        if (change instanceof RowChange.InsertCid) {
            return "recording a managed CID";
        }
        if (change instanceof RowChange.DeleteCid) {
            return "removing a managed CID";
        }
        if (change instanceof RowChange.RecordState) {
            return "recording a connection's state";
        }
        return change instanceof RowChange.AddPendingDisconnect ? "recording a pending disconnect" : "removing a pending disconnect";
    }

    /** A row change failed: {@code operation} says what it was doing. */
    static final class Failed extends Exception {
        private final String operation;

        Failed(String operation, SQLException cause) {
            super(operation, cause);
            this.operation = operation;
        }

        String operation() {
            return operation;
        }

        SQLException sqlCause() {
            return (SQLException) getCause();
        }
    }
}
