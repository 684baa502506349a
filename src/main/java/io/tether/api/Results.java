package io.tether.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.connection.Retry;
import java.io.IOException;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** The result bodies of the methods, shaped exactly as the response schemas in {@code schemas/}. */
public final class Results {
    private Results() {
    }

    public record Managed(String connectionId, String connectionKey, boolean alreadyManaged) implements Outcome {
    }

    public record Unmanaged(List<String> unmanaged, List<String> disconnecting) implements Outcome {
    }

    /** {@code getSealingKey}: the host's public key, as a JWK, for sealing URIs with credentials. */
    public record PublicSealingKey(Map<String, Object> jwk) implements Outcome {
        public PublicSealingKey {
            jwk = Map.copyOf(jwk);
        }
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
            Health health,
            Map<String, Object> connectionInfo,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean stranded,
            @JsonInclude(JsonInclude.Include.NON_NULL) Retry retry) {

        /** An entry the monitor is not retrying: no {@code stranded} or {@code retry} member. */
        public Entry(boolean managed, boolean connected, String state, String connectionKey, Instant since,
                LastError lastError, Health health, Map<String, Object> connectionInfo) {
            this(managed, connected, state, connectionKey, since, lastError, health, connectionInfo, null, null);
        }

        /** An entry of a CID that is served (or of a connection no CID holds): no {@code stranded} member. */
        public Entry(boolean managed, boolean connected, String state, String connectionKey, Instant since,
                LastError lastError, Health health, Map<String, Object> connectionInfo, Retry retry) {
            this(managed, connected, state, connectionKey, since, lastError, health, connectionInfo, null, retry);
        }
    }

    /**
     * One page of the list: consistent with event {@code seq}, and {@code next} the cursor of the
     * page after it (null on the last page; always written, so a client can tell). All CIDs of one
     * connection share one {@link Entry} object, written once and then copied as text for each of
     * them: a page formats one entry per connection, not one per CID.
     */
    public record StorageServerList(long seq,
                                    @JsonSerialize(using = SharedEntriesSerializer.class) Map<String, Entry> connections,
                                    @JsonInclude(JsonInclude.Include.ALWAYS) String next)
            implements Outcome {

        /** A whole list in one page. */
        public StorageServerList(long seq, Map<String, Entry> connections) {
            this(seq, connections, null);
        }
    }

    /** Writes a CID-to-entry map, formatting each distinct entry object only once. */
    static final class SharedEntriesSerializer extends JsonSerializer<Map<String, Entry>> {
        @Override
        public void serialize(Map<String, Entry> entries, JsonGenerator gen, SerializerProvider provider) throws IOException {
            // SerializedString keeps the entry's UTF-8 bytes, so each further CID of the connection
            // costs an array copy, not another encoding of the same characters.
            Map<Entry, SerializedString> written = new IdentityHashMap<>();
            gen.writeStartObject();
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                SerializedString json = written.get(e.getValue());
                if (json == null) {
                    json = new SerializedString(JsonRpc.MAPPER.writeValueAsString(e.getValue()));
                    written.put(e.getValue(), json);
                }
                gen.writeFieldName(e.getKey());
                gen.writeRawValue(json);
            }
            gen.writeEndObject();
        }
    }
}
