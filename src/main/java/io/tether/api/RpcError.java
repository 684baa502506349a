package io.tether.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON-RPC error on its way to the client. The message is written for the sender: it says what
 * to fix. It never quotes a credential.
 */
public final class RpcError extends Exception implements Outcome {
    private final ErrorCode code;
    private final ObjectNode data;

    public RpcError(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
        this.data = JsonRpc.MAPPER.createObjectNode().put("name", code.name());
    }

    /** -32602 with the offending field and why, as docs/protocol.md section 4 says. */
    public static RpcError invalidParams(String field, String reason) {
        RpcError e = new RpcError(ErrorCode.INVALID_PARAMS,
                "invalid params: " + (field.isEmpty() ? "" : field + ": ") + reason);
        e.data.put("field", field);
        e.data.put("reason", reason);
        return e;
    }

    /** Adds a detail to {@code error.data}. */
    public RpcError with(String key, String value) {
        data.put(key, value);
        return this;
    }

    public ErrorCode code() {
        return code;
    }

    public ObjectNode data() {
        return data;
    }
}
