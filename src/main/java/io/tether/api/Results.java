package io.tether.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.tether.connection.LastError;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The result bodies of the methods, shaped exactly as the response schemas in {@code schemas/}. */
public final class Results {
    private Results() {
    }

    public record Managed(String connectionId, String connectionKey, boolean alreadyManaged) {
    }

    public record Unmanaged(List<String> unmanaged, List<String> disconnecting) {
    }

    /** One entry of the list, for a CID or for an unmanaged host connection. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Entry(
            boolean managed,
            boolean connected,
            String state,
            String connectionKey,
            Instant since,
            LastError lastError,
            Map<String, Object> connectionInfo) {
    }

    public record StorageServerList(long seq, Map<String, Entry> connections) {
    }
}
