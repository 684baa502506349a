package io.tether.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;

/** Reads a worker's JSON result as the record the protocol says it is. */
final class Typed {
    private Typed() {
    }

    /** {@code result} as a {@code type}; an {@link IllegalStateException} if it is not one. */
    static <T> T as(JsonNode result, Class<T> type) {
        try {
            return JsonRpc.MAPPER.treeToValue(result, type);
        } catch (Exception e) {
            throw new IllegalStateException("the worker's result does not match " + type.getSimpleName(), e);
        }
    }

    /** {@code result} as a {@code type}; an {@link IllegalStateException} if it is not one. */
    static <T> T as(JsonNode result, TypeReference<T> type) {
        try {
            return JsonRpc.MAPPER.readerFor(type).readValue(result);
        } catch (Exception e) {
            throw new IllegalStateException("the worker's result does not match " + type.getType().getTypeName(), e);
        }
    }
}
