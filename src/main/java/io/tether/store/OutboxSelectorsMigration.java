package io.tether.store;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tether.api.JsonRpc;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Schema V4: the outbox keeps each event's {@code state} and {@code change} beside its body, for
 * the publisher's message properties. Events an earlier version wrote and did not publish yet get
 * theirs from their bodies, read once here, so they are published as they would have been.
 */
final class OutboxSelectorsMigration implements JavaMigration {
    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("4");
    }

    @Override
    public String getDescription() {
        return "outbox selectors";
    }

    @Override
    public Integer getChecksum() {
        return null;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection db = context.getConnection();
        try (Statement ddl = db.createStatement()) {
            ddl.execute("ALTER TABLE event_outbox ADD COLUMN state VARCHAR(64) DEFAULT '' NOT NULL");
            ddl.execute("ALTER TABLE event_outbox ADD COLUMN change VARCHAR(64) DEFAULT '' NOT NULL");
        }
        try (Statement select = db.createStatement();
             ResultSet rs = select.executeQuery("SELECT seq, body FROM event_outbox");
             PreparedStatement update = db.prepareStatement("UPDATE event_outbox SET state = ?, change = ? WHERE seq = ?")) {
            while (rs.next()) {
                Selectors selectors = selectors(rs.getString(2));
                update.setString(1, selectors.state());
                update.setString(2, selectors.change());
                update.setLong(3, rs.getLong(1));
                update.executeUpdate();
            }
        }
    }

    /** The params an event's message properties repeat. */
    private record Selectors(String state, String change) {
    }

    /** Reads {@code params.state} and {@code params.change} of a notification; empty where it has none. */
    static Selectors selectors(String body) throws SQLException {
        String state = "";
        String change = "";
        try (JsonParser parser = JsonRpc.MAPPER.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new SQLException("the outbox holds an event that is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean params = "params".equals(parser.currentName());
                if (parser.nextToken() != JsonToken.START_OBJECT || !params) {
                    parser.skipChildren();
                    continue;
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if (value == JsonToken.VALUE_STRING && name.equals("state")) {
                        state = parser.getText();
                    } else if (value == JsonToken.VALUE_STRING && name.equals("change")) {
                        change = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            throw new SQLException("the outbox holds an event that is not JSON", e);
        }
        return new Selectors(state, change);
    }
}
