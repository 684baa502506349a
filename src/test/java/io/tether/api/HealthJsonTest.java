package io.tether.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.connection.Health;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Health as the wire carries it: a list entry's {@code health} with and without paths, valid
 * against the response schema, and read back by the client library as it was written.
 */
class HealthJsonTest {
    private static final Instant AT = Instant.parse("2026-11-24T09:05:12.004Z");

    @Test
    void aListEntrysHealthIsWrittenAsTheSchemaSaysAndReadBack() throws Exception {
        Health slowBlock = Health.of(List.of(Health.Reason.SLOW, Health.Reason.PATHS_FAILED), 7312L, AT, new Health.Paths(1, 1, List.of("sdb")));
        Health fresh = Health.notConnected();
        Map<String, Results.Entry> entries = new LinkedHashMap<>();
        entries.put("lun-1", new Results.Entry(true, true, "CONNECTED", "iscsi://san/iqn.2003-01.org.example:vg1", AT, null,
                slowBlock, Map.of("type", "iscsi")));
        entries.put("new-1", new Results.Entry(true, false, "CONNECTING", "file:///srv/x", AT, null, fresh,
                Map.of("type", "file", "path", "/srv/x")));
        entries.put("unmanaged-1", new Results.Entry(false, true, "CONNECTED", "file:///srv/y", null, null, null,
                Map.of("type", "file", "path", "/srv/y")));
        Results.StorageServerList list = new Results.StorageServerList(4, entries);

        JsonNode json = JsonRpc.MAPPER.readTree(JsonRpc.MAPPER.writeValueAsString(list));
        assertEquals(List.of(), Schemas.problems("getStorageServerList.response", json), json.toString());
        JsonNode health = json.at("/connections/lun-1/health");
        assertEquals("{\"status\":\"DEGRADED\",\"reasons\":[\"SLOW\",\"PATHS_FAILED\"],\"delayMs\":7312,"
                + "\"checkedAt\":\"2026-11-24T09:05:12.004Z\",\"paths\":{\"active\":1,\"failed\":1,\"failedDevices\":[\"sdb\"]}}", health.toString());
        JsonNode unknown = json.at("/connections/new-1/health");
        assertTrue(unknown.get("delayMs").isNull() && unknown.get("checkedAt").isNull(), unknown.toString());
        assertFalse(unknown.has("paths"), "paths absent where unknown: " + unknown);
        assertTrue(json.at("/connections/unmanaged-1/health").isNull());

        Results.StorageServerList back = JsonRpc.MAPPER.treeToValue(json, Results.StorageServerList.class);
        assertEquals(slowBlock, back.connections().get("lun-1").health());
        assertEquals(fresh, back.connections().get("new-1").health());
    }
}
