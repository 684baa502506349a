package io.tether.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of the event journal: the outbox of events not yet published, and the seq recorded when
 * published events are trimmed from it. The highest seq ever handed out is the larger of the two,
 * so seqs never go back, across restarts too. Runs on the {@link Store}'s connection, in its commits.
 */
final class EventOutbox {
    private EventOutbox() {
    }

    /** The highest event seq ever handed out. */
    static long lastSeq(Connection db) throws SQLException {
        try (ResultSet rs = db.createStatement().executeQuery(
                "SELECT GREATEST((SELECT seq FROM event_seq WHERE id = 1), COALESCE((SELECT MAX(seq) FROM event_outbox), 0))")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Appends events, in order; each seq must be above every seq handed out before. */
    static void append(Connection db, List<OutboxEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO event_outbox (seq, body, state, change) VALUES (?, ?, ?, ?)")) {
            for (OutboxEvent event : events) {
                ps.setLong(1, event.seq());
                ps.setString(2, event.body());
                ps.setString(3, event.state());
                ps.setString(4, event.change());
                ps.executeUpdate();
            }
        }
    }

    /** Events after {@code afterSeq}, oldest first, at most {@code limit}. */
    static List<OutboxEvent> after(Connection db, long afterSeq, int limit) throws SQLException {
        List<OutboxEvent> events = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT seq, body, state, change FROM event_outbox WHERE seq > ? ORDER BY seq LIMIT ?")) {
            ps.setLong(1, afterSeq);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new OutboxEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return events;
    }

    /** Deletes the events up to {@code seq}, recording {@code seq} as handed out: the outbox may be left empty. */
    static int deleteUpTo(Connection db, long seq) throws SQLException {
        raiseSeq(db, seq);
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM event_outbox WHERE seq <= ?")) {
            ps.setLong(1, seq);
            return ps.executeUpdate();
        }
    }

    /** Deletes every event, recording {@code floor} as handed out (if above the seq recorded). */
    static int clearAbove(Connection db, long floor) throws SQLException {
        raiseSeq(db, floor);
        return db.createStatement().executeUpdate("DELETE FROM event_outbox");
    }

    private static void raiseSeq(Connection db, long seq) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE event_seq SET seq = GREATEST(seq, ?) WHERE id = 1")) {
            ps.setLong(1, seq);
            ps.executeUpdate();
        }
    }
}
