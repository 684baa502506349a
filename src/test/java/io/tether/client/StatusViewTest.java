package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.StatusEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The seq rules of list-then-watch (docs/protocol.md section 5), with a follower that records what it is given. */
class StatusViewTest {
    private static final String HOST = "h1";

    /** Answers each list with the future the test gives; records the events handed on. */
    private static final class Recorder implements StatusView.Follower {
        final List<CompletableFuture<Long>> lists = new ArrayList<>();
        final List<Long> applied = new ArrayList<>();

        /** The next list answers when the test completes the future returned. */
        synchronized CompletableFuture<Long> nextList() {
            CompletableFuture<Long> list = new CompletableFuture<>();
            lists.add(list);
            return list;
        }

        private int asked;

        synchronized int asked() {
            return asked;
        }

        @Override
        public synchronized CompletableFuture<Long> list() {
            asked++;
            return asked <= lists.size() ? lists.get(asked - 1) : new CompletableFuture<>();
        }

        @Override
        public synchronized void apply(StatusEvent event) {
            applied.add(event.seq());
        }

        synchronized List<Long> applied() {
            return new ArrayList<>(applied);
        }
    }

    private final Recorder follower = new Recorder();
    private final StatusView view = new StatusView(HOST, follower);

    private static StatusEvent event(String host, long seq) {
        return new StatusEvent(host, seq, Instant.EPOCH, "file:///srv/data", 1, List.of(), "CONNECTED", true, null, null,
                Map.of(), "STATE");
    }

    private void on(long... seqs) {
        for (long seq : seqs) {
            assertTrue(view.onEvent(HOST, event(HOST, seq)));
        }
    }

    @Test
    void aListAtSeqNThenTheEventsFromNPlusOneOn() {
        follower.nextList().complete(4L);
        view.start();
        on(3, 4, 5, 6);
        assertEquals(List.of(5L, 6L), follower.applied(), "events at or below the list's seq are in it");
    }

    @Test
    void eventsBeforeTheListAreHeldAndAppliedAfterItInSeqOrder() {
        CompletableFuture<Long> list = follower.nextList();
        view.start();
        on(7, 5, 6, 4);
        assertEquals(List.of(), follower.applied());
        list.complete(4L);
        assertEquals(List.of(5L, 6L, 7L), follower.applied());
    }

    @Test
    void aDuplicateOrOldSeqIsIgnored() {
        follower.nextList().complete(1L);
        view.start();
        on(2, 3, 2, 3, 1);
        assertEquals(List.of(2L, 3L), follower.applied());
    }

    @Test
    void aGapListsAgainAndTheHeldEventsApplyAfterTheNewList() {
        follower.nextList().complete(1L);
        CompletableFuture<Long> second = follower.nextList();
        view.start();
        on(2, 5);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> follower.asked() == 2);
        on(6);
        assertEquals(List.of(2L), follower.applied(), "nothing after the gap until the new list");
        second.complete(4L);
        assertEquals(List.of(2L, 5L, 6L), follower.applied());
    }

    @Test
    void aGapThatTheNewListDoesNotCoverListsAgain() {
        follower.nextList().complete(1L);
        follower.nextList().complete(2L);
        view.start();
        on(4);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> follower.asked() == 3);
        assertEquals(List.of(), follower.applied());
    }

    @Test
    void anEventFromAnotherHostsAddressOrInAnotherHostsNameIsRefused() {
        follower.nextList().complete(0L);
        view.start();
        assertFalse(view.onEvent("h2", event("h2", 1)), "another host's address");
        assertFalse(view.onEvent("h2", event(HOST, 1)), "another host's address, in this host's name");
        assertFalse(view.onEvent(HOST, event("h2", 1)), "this host's address, in another host's name");
        assertEquals(List.of(), follower.applied());
        on(1);
        assertEquals(List.of(1L), follower.applied());
    }

    @Test
    void aListThatEndsTheFollowingHandsNothingMoreOn() {
        follower.nextList().complete(null);
        view.start();
        on(1, 2);
        assertEquals(List.of(), follower.applied());
    }

    @Test
    void aClosedViewHandsNothingMoreOn() {
        follower.nextList().complete(0L);
        view.start();
        on(1);
        view.close();
        on(2);
        assertEquals(List.of(1L), follower.applied());
    }
}
