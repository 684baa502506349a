package io.tether.store;

import io.tether.api.Reply;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The log of recent replies, by request id, so a redelivered request is answered, not run again.
 * Its ids and positions are mirrored in memory, oldest first: nearly every request is new, and the
 * mirror answers "handled before?" without a database lookup or an index to update. The mirror
 * changes only when a commit made its rows durable.
 */
final class RequestLog {
    /** Replies kept for redelivered requests; only the last few can ever be in doubt. */
    static final int REPLIES_KEPT = 10_000;

    /** Guarded by itself, so a lookup need not wait for the store's lock. */
    private final LinkedHashMap<String, Long> recent = new LinkedHashMap<>();
    /** The last position written; under the store's lock. */
    private long position;

    /** Where {@code requestId}'s reply is, if it is among the recent ones. */
    Long positionOf(String requestId) {
        synchronized (recent) {
            return recent.get(requestId);
        }
    }

    /** The reply at {@code position}: {@link Reply#NONE} when it needed none; empty if trimmed meanwhile. */
    static Optional<Reply> reply(Connection db, long position) throws SQLException {
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
    }

    /** Reads the mirror from the database: after (re)opening it, which recovers the last commit. */
    void reload(Connection db) throws SQLException {
        Map<String, Long> ids = new LinkedHashMap<>();
        long last = 0;
        try (ResultSet rs = db.createStatement().executeQuery("SELECT request_id, position FROM request_log ORDER BY position")) {
            while (rs.next()) {
                last = rs.getLong(2);
                ids.put(rs.getString(1), last);
            }
        }
        position = last;
        synchronized (recent) {
            recent.clear();
            recent.putAll(ids);
        }
    }

    /**
     * Writes the rows of one commit's replies, after the last position written; every thousandth
     * also trims the log to the last {@link #REPLIES_KEPT}. Nothing here changes until
     * {@link #committed} is told the rows are durable: a failed commit drops the connection, and
     * reopening it reloads the log.
     */
    Written write(Connection db, List<Commit.LoggedReply> replies) throws SQLException {
        Map<String, Long> recorded = new LinkedHashMap<>();
        long next = position;
        long trimmedTo = 0;
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO request_log (position, request_id, reply) VALUES (?, ?, ?)")) {
            for (Commit.LoggedReply logged : replies) {
                next++;
                ps.setLong(1, next);
                ps.setString(2, logged.requestId());
                ps.setString(3, logged.reply() instanceof Reply.Send send ? send.json() : null);
                ps.executeUpdate();
                recorded.put(logged.requestId(), next);
                if (next % 1000 == 0) {
                    trimmedTo = next - REPLIES_KEPT;
                    try (PreparedStatement trim = db.prepareStatement("DELETE FROM request_log WHERE position <= ?")) {
                        trim.setLong(1, trimmedTo);
                        trim.executeUpdate();
                    }
                }
            }
        }
        return new Written(recorded, next, trimmedTo);
    }

    /** The rows are durable: the mirror takes them, and drops what was trimmed. */
    void committed(Written written) {
        position = written.last();
        synchronized (recent) {
            recent.putAll(written.positions());
            for (var oldest = recent.values().iterator(); oldest.hasNext() && oldest.next() <= written.trimmedTo(); ) {
                oldest.remove();
            }
        }
    }

    /**
     * The rows one commit wrote: their positions by request id, the last position, and the
     * position the log was trimmed to (0 if it was not).
     */
    record Written(Map<String, Long> positions, long last, long trimmedTo) {
    }
}
