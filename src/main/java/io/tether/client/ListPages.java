package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * Walks a paged {@code getStorageServerList} (docs/protocol.md, getStorageServerList): each page's
 * {@code next} is the {@code after} of the one that follows, and only a {@code next} that is null
 * or absent (a worker of an earlier version sends none) ends the list; a page may hold no entry.
 * The one walker of lists: the client's whole list and wait, and the console's lists.
 */
public final class ListPages {
    /** Pages in a row that a list may bring without getting further before it counts as not answering. */
    public static final int MAX_STALLED_PAGES = 100;

    private ListPages() {
    }

    /**
     * Fetches pages from the start, {@code fetch} taking the {@code after} of each (null for the
     * first), and hands each page's result to {@code onPage} with the {@code after} it was asked
     * with, until {@code onPage} returns false or the last page has been handed. The future completes
     * with the page {@code onPage} stopped at, null when it stopped at none; it fails
     * with the first failure of a fetch or of {@code onPage}, and with an
     * {@link IllegalStateException} when more than {@link #MAX_STALLED_PAGES} pages in a row get no
     * further (a busy worker may answer a page without entries, so the same cursor again, but not
     * forever); cancelling it fetches no further page.
     */
    public static CompletableFuture<JsonNode> follow(Function<String, CompletableFuture<JsonNode>> fetch,
            BiPredicate<String, JsonNode> onPage) {
        CompletableFuture<JsonNode> done = new CompletableFuture<>();
        fetchFrom(null, 0, fetch, onPage, done);
        return done;
    }

    // Each page is asked for from the completion of the one before: no future chain grows with the
    // number of pages, however many empty ones a busy worker sends.
    private static void fetchFrom(String after, int stalled, Function<String, CompletableFuture<JsonNode>> fetch,
            BiPredicate<String, JsonNode> onPage, CompletableFuture<JsonNode> done) {
        CompletableFuture<JsonNode> page;
        try {
            page = fetch.apply(after);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
            return;
        }
        page.whenComplete((result, failure) -> {
            if (done.isDone()) {
                return;
            }
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            String next;
            try {
                next = next(result);
                if (!onPage.test(after, result)) {
                    done.complete(result);
                    return;
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return;
            }
            int stalledNow = next != null && after != null && next.compareTo(after) <= 0 ? stalled + 1 : 0;
            if (next == null) {
                done.complete(null);
            } else if (stalledNow > MAX_STALLED_PAGES) {
                done.completeExceptionally(new IllegalStateException(
                        "its list got no further than " + after + " in " + stalledNow + " pages"));
            } else {
                fetchFrom(next, stalledNow, fetch, onPage, done);
            }
        });
    }

    /** The page's cursor to the rest of the list; null on the last page. */
    public static String next(JsonNode page) {
        JsonNode next = page.path("next");
        if (next.isMissingNode() || next.isNull()) {
            return null;
        }
        if (!next.isTextual()) {
            throw new IllegalStateException("the worker's list page has a next that is not a string: " + next);
        }
        return next.textValue();
    }

    /** The params of a {@code getStorageServerList} request, each only when given. */
    static Map<String, Object> params(String prefix, String after, Integer limit) {
        Map<String, Object> params = new LinkedHashMap<>();
        if (prefix != null) {
            params.put("connectionIdPrefix", prefix);
        }
        if (after != null) {
            params.put("after", after);
        }
        if (limit != null) {
            params.put("limit", limit);
        }
        return params;
    }

    /**
     * Fetches every page and returns the whole list as one result: {@code seq} the lowest of the
     * pages' seqs, {@code connections} every page's entries in the order they came, no {@code next}.
     */
    static CompletableFuture<ObjectNode> all(Function<String, CompletableFuture<JsonNode>> fetch) {
        Merged merged = new Merged();
        return follow(fetch, (after, page) -> {
            merged.add(page);
            return true;
        }).thenApply(done -> merged.result());
    }

    /** The pages of one list so far, merged. */
    private static final class Merged {
        private final ObjectNode connections = JsonRpc.MAPPER.createObjectNode();
        private long seq = Long.MAX_VALUE;

        // Each page comes on the thread that completed its fetch, the merged list on another.
        synchronized void add(JsonNode page) {
            JsonNode seqNode = page.path("seq");
            if (!seqNode.isIntegralNumber()) {
                throw new IllegalStateException("the worker's list page has no seq: " + seqNode);
            }
            seq = Math.min(seq, seqNode.asLong());
            for (Iterator<Map.Entry<String, JsonNode>> it = page.path("connections").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                connections.set(entry.getKey(), entry.getValue());
            }
        }

        synchronized ObjectNode result() {
            ObjectNode result = JsonRpc.MAPPER.createObjectNode().put("seq", seq);
            result.set("connections", connections);
            return result;
        }
    }
}
