package io.tether.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.client.ListPages;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** How the console asks for a list's pages: each after the previous one's {@code next}, until there is none. */
class FleetFeedPagesTest {
    private static final String KEY = "file:///srv/k";

    /** A worker's list of {@code cids}, {@code limit} entries a page; every other cursor first gets an empty page. */
    private static Function<String, CompletableFuture<JsonNode>> worker(List<String> cids, int limit, List<Map<String, ?>> asked) {
        TreeMap<String, JsonNode> entries = new TreeMap<>();
        cids.forEach(cid -> entries.put(cid, JsonRpc.MAPPER.createObjectNode().put("managed", true).put("connected", true)
                .put("state", "CONNECTED").put("connectionKey", KEY)));
        return after -> {
            asked.add(after == null ? Map.of() : Map.of("after", after));
            ObjectNode result = JsonRpc.MAPPER.createObjectNode().put("seq", 10 + asked.size());
            ObjectNode connections = result.putObject("connections");
            boolean busy = asked.size() % 2 == 0;
            Map<String, JsonNode> rest = after == null ? entries : entries.tailMap(after, false);
            String last = after;
            if (!busy) {
                for (Map.Entry<String, JsonNode> e : rest.entrySet()) {
                    if (connections.size() == limit) {
                        break;
                    }
                    connections.set(e.getKey(), e.getValue());
                    last = e.getKey();
                }
            }
            result.put("next", !busy && connections.size() == rest.size() ? null : last);
            return CompletableFuture.completedFuture(result);
        };
    }

    @Test
    void everyPageIsAskedForAndTheStateGetsThemAll() throws Exception {
        List<Map<String, ?>> asked = new ArrayList<>();
        List<FleetState.Page> pages = FleetFeed.pages(worker(List.of("a", "b", "c", "d", "e"), 2, asked));
        assertEquals(List.of(Map.of(), Map.of("after", "b"), Map.of("after", "b"), Map.of("after", "d"), Map.of("after", "d")),
                asked);
        assertEquals(5, pages.size());
        assertEquals("d", pages.get(4).after());
        FleetState state = new FleetState(u -> { }, Clock.systemUTC());
        state.learn("h1");
        assertFalse(state.onList("h1", pages));
        assertEquals("[\"a\",\"b\",\"c\",\"d\",\"e\"]", state.snapshot().at("/hosts/h1/connections").path(KEY).path("cids").toString());
        assertEquals(11, state.snapshot().at("/hosts/h1/seq").asLong(), "the lowest page seq");
    }

    @Test
    void aWorkerThatDoesNotPageIsAskedOnce() throws Exception {
        List<String> asked = new ArrayList<>();
        List<FleetState.Page> pages = FleetFeed.pages(after -> {
            asked.add(after);
            ObjectNode result = JsonRpc.MAPPER.createObjectNode().put("seq", 3);
            result.putObject("connections");
            return CompletableFuture.completedFuture(result);
        });
        assertEquals(Arrays.asList((String) null), asked);
        assertEquals(1, pages.size());
    }

    @Test
    void aListThatGetsNoFurtherEnds() {
        List<String> asked = new ArrayList<>();
        ExecutionException e = assertThrows(ExecutionException.class, () -> FleetFeed.pages(after -> {
            asked.add(after);
            return CompletableFuture.completedFuture(JsonRpc.MAPPER.createObjectNode().put("seq", 1).put("next", "a")
                    .set("connections", JsonRpc.MAPPER.createObjectNode()));
        }));
        assertEquals(ListPages.MAX_STALLED_PAGES + 2, asked.size(), "the first page, then the stalled ones");
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("its list got no further than a in " + (ListPages.MAX_STALLED_PAGES + 1) + " pages",
                e.getCause().getMessage());
    }
}
