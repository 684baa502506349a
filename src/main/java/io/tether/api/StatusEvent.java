package io.tether.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The params of a {@code storageServerStatusChanged} notification (schema
 * {@code storageServerStatusChanged.event.json}). An event is sized to its change, not to its
 * connection: it names the CIDs it added or removed ({@code changedIds}) and how many the
 * connection has after it ({@code connectionIdCount}), never all of them, so n manages on one
 * connection write O(n) bytes of events.
 */
public record StatusEvent(
        String hostId,
        long seq,
        Instant at,
        String connectionKey,
        int connectionIdCount,
        List<String> changedIds,
        String state,
        boolean connected,
        LastError lastError,
        Health health,
        Map<String, Object> connectionInfo,
        String change) {

    public static final String METHOD = "storageServerStatusChanged";

    /**
     * Most bytes of CIDs one event names (counting each character as the 3 bytes of UTF-8 it may
     * take): a bigger change of one kind to one connection (an unmanage by prefix of a crowded
     * export) is split into events of this size, so every event fits a message (1,114,112 bytes).
     */
    public static final int MAX_CHANGED_ID_BYTES = 512 * 1024;

    /** What naming {@code cid} in {@code changedIds} may cost, at most: quotes, comma, 3 bytes a character. */
    public static int changedIdBytes(String cid) {
        return 3 * cid.length() + 3;
    }

    /**
     * What happened: a CID came, a CID went, the connection's state changed, or only its health's
     * status or reasons did (docs/protocol.md, "Health").
     */
    public enum Change { MANAGED, UNMANAGED, STATE, HEALTH }

    /**
     * The event in a notification's {@code params}, as a subscriber reads it: fields it does not know
     * (a later worker's) are skipped, and an enum value it does not know (a later worker's health
     * reason) is read as null. From a worker of an earlier version, that lists every CID of the
     * connection ({@code connectionIds}), their number is {@code connectionIdCount}.
     *
     * @throws IllegalArgumentException if {@code params} is not an event
     */
    public static StatusEvent fromParams(JsonNode params) {
        if (params == null || !params.isObject()) {
            throw new IllegalArgumentException("a status event's params are an object, not " + params);
        }
        JsonNode read = params;
        if (!params.has("connectionIdCount") && params.path("connectionIds").isArray()) {
            // A worker of an earlier version sends every CID of the connection instead of their number.
            read = ((ObjectNode) params.deepCopy()).put("connectionIdCount", params.get("connectionIds").size());
        }
        try {
            return READER.readValue(read);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a status event: " + e.getMessage(), e);
        }
    }

    private static final ObjectReader READER = JsonRpc.MAPPER.readerFor(StatusEvent.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL);

    /** The JSON-RPC notification text published on the status topic. */
    public String toNotification() {
        ObjectNode note = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", METHOD);
        note.putPOJO("params", this); // written straight from the record, without a tree in between
        return JsonRpc.write(note);
    }
}
