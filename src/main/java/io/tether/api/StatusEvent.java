package io.tether.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The params of a {@code storageServerStatusChanged} notification (schema
 * {@code storageServerStatusChanged.event.json}).
 */
public record StatusEvent(
        String hostId,
        long seq,
        Instant at,
        String connectionKey,
        List<String> connectionIds,
        List<String> changedIds,
        String state,
        boolean connected,
        LastError lastError,
        Health health,
        Map<String, Object> connectionInfo,
        String change) {

    public static final String METHOD = "storageServerStatusChanged";

    /**
     * What happened: a CID came, a CID went, the connection's state changed, or only its health's
     * status or reasons did (docs/protocol.md, "Health").
     */
    public enum Change { MANAGED, UNMANAGED, STATE, HEALTH }

    /** The JSON-RPC notification text published on the status topic. */
    public String toNotification() {
        ObjectNode note = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", METHOD);
        note.putPOJO("params", this); // written straight from the record, without a tree in between
        return JsonRpc.write(note);
    }
}
