package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import java.util.Optional;

/** The worker answered with a JSON-RPC error. */
public final class RpcException extends Exception {
    private final int code;
    private final String name;
    private final JsonNode error;

    public RpcException(JsonNode error) {
        super(error.path("message").asText("error without message"));
        this.code = error.path("code").asInt();
        this.name = error.path("data").path("name").asText("");
        this.error = error;
    }

    /** An error the client finds itself, shaped as the worker would have sent it. */
    static RpcException of(ErrorCode code, String message) {
        return new RpcException(JsonRpc.MAPPER.createObjectNode().put("code", code.code()).put("message", message)
                .set("data", JsonRpc.MAPPER.createObjectNode().put("name", code.name())));
    }

    /** The JSON-RPC error code (negative for protocol errors, positive for application errors). */
    public int code() {
        return code;
    }

    /** The stable error name from {@code error.data.name}, e.g. {@code CID_IN_USE}. */
    public String name() {
        return name;
    }

    /**
     * The error as this client knows it: by {@link #name()}, or by {@link #code()} when the error
     * has no name. Empty for an error this client does not know, such as a newer worker's.
     */
    public Optional<ErrorCode> errorCode() {
        for (ErrorCode known : ErrorCode.values()) {
            if (name.isEmpty() ? known.code() == code : known.name().equals(name)) {
                return Optional.of(known);
            }
        }
        return Optional.empty();
    }

    /** The whole {@code error} object. */
    public JsonNode error() {
        return error;
    }
}
