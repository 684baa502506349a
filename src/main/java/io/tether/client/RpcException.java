package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;

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

    /** The JSON-RPC error code (negative for protocol errors, positive for application errors). */
    public int code() {
        return code;
    }

    /** The stable error name from {@code error.data.name}, e.g. {@code CID_IN_USE}. */
    public String name() {
        return name;
    }

    /** The whole {@code error} object. */
    public JsonNode error() {
        return error;
    }
}
