package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A paged list walked to its end: only a null or absent {@code next} ends it, whatever a page holds. */
class ListPagesTest {

    /** A page at {@code seq} holding {@code cids} (each with a state of its own name), then {@code next}. */
    static ObjectNode page(long seq, String next, String... cids) {
        ObjectNode page = JsonRpc.MAPPER.createObjectNode().put("seq", seq);
        ObjectNode connections = page.putObject("connections");
        for (String cid : cids) {
            connections.putObject(cid).put("state", "state-of-" + cid);
        }
        if (next != null) {
            page.put("next", next);
        } else {
            page.putNull("next");
        }
        return page;
    }

    /** Answers with {@code pages}, one after the other, remembering the {@code after} of each request. */
    private static final class Worker implements Function<String, CompletableFuture<JsonNode>> {
        final List<JsonNode> pages;
        final List<String> asked = new ArrayList<>();

        Worker(JsonNode... pages) {
            this.pages = List.of(pages);
        }

        @Override
        public synchronized CompletableFuture<JsonNode> apply(String after) {
            asked.add(after);
            return asked.size() > pages.size() ? CompletableFuture.failedFuture(new AssertionError("asked past the last page"))
                    : CompletableFuture.completedFuture(pages.get(asked.size() - 1));
        }
    }

    private static List<String> cids(JsonNode list) {
        List<String> cids = new ArrayList<>();
        list.path("connections").fieldNames().forEachRemaining(cids::add);
        return cids;
    }

    @Test
    void everyPageIsFetchedInOrderAndMergedWithTheLowestSeq() throws Exception {
        // The second page is empty yet not the last: a busy worker may send one.
        Worker paged = new Worker(page(7, "b", "a", "b"), page(9, "b"), page(5, null, "c", "unmanaged-1"));

        JsonNode list = ListPages.all(paged).get(5, TimeUnit.SECONDS);
        assertEquals(Arrays.asList(null, "b", "b"), paged.asked);
        assertEquals(List.of("a", "b", "c", "unmanaged-1"), cids(list));
        assertEquals("state-of-c", list.at("/connections/c/state").asText());
        assertEquals(5, list.path("seq").asLong(), "the lowest page seq: every entry is at least that recent");
        assertEquals(List.of("seq", "connections"), fields(list), "a whole list has no cursor");
    }

    @Test
    void emptyPagesAreFollowedUntilTheLastOne() throws Exception {
        Worker worker = new Worker(page(3, ""), page(4, ""), page(4, null));
        JsonNode list = ListPages.all(worker).get(5, TimeUnit.SECONDS);
        assertEquals(Arrays.asList(null, "", ""), worker.asked);
        assertEquals(List.of(), cids(list));
        assertEquals(3, list.path("seq").asLong());
    }

    @Test
    void aWorkerOfAnEarlierVersionSendsOnePageWithoutNext() throws Exception {
        ObjectNode old = page(12, null, "a");
        old.remove("next");
        Worker worker = new Worker(old);
        JsonNode list = ListPages.all(worker).get(5, TimeUnit.SECONDS);
        assertEquals(Arrays.asList((String) null), worker.asked);
        assertEquals(List.of("a"), cids(list));
        assertEquals(12, list.path("seq").asLong());
    }

    @Test
    void followStopsAtThePageItWasLookingFor() throws Exception {
        Worker worker = new Worker(page(1, ""), page(2, "b", "b"), page(3, null, "c"));
        List<Long> seen = new ArrayList<>();
        JsonNode found = ListPages.follow(worker, (after, page) -> {
            seen.add(page.path("seq").asLong());
            return !page.path("connections").has("b");
        }).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(1L, 2L), seen);
        assertEquals(Arrays.asList(null, ""), worker.asked);
        assertEquals(2, found.path("seq").asLong(), "the page it stopped at");
    }

    @Test
    void followThatNeverStopsEndsWithNoPage() throws Exception {
        Worker worker = new Worker(page(1, ""), page(2, null, "c"));
        assertEquals(null, ListPages.follow(worker, (after, page) -> true).get(5, TimeUnit.SECONDS));
    }

    @Test
    void aPageThatFailsFailsTheList() {
        TimeoutException late = new TimeoutException("no answer");
        Function<String, CompletableFuture<JsonNode>> worker = after -> after == null
                ? CompletableFuture.completedFuture(page(1, "a", "a")) : CompletableFuture.failedFuture(late);
        ExecutionException e = assertThrows(ExecutionException.class, () -> ListPages.all(worker).get(5, TimeUnit.SECONDS));
        assertSame(late, e.getCause());
    }

    @Test
    void aCursorThatIsNotAStringIsAnAnswerThisClientCannotUse() {
        ObjectNode odd = page(1, null, "a").put("next", 42);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> ListPages.all(after -> CompletableFuture.completedFuture(odd)).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void aPageWithoutASeqIsAnAnswerThisClientCannotUse() {
        ObjectNode odd = page(1, null, "a");
        odd.remove("seq");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> ListPages.all(after -> CompletableFuture.completedFuture(odd)).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
