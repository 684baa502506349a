package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.StatusEvent;
import io.tether.client.StatusView.Taken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The seq rules of list-then-watch (docs/protocol.md section 5), with a follower that records what it is given. */
class StatusViewTest {
    private static final String HOST = "h1";

    /** Records the events applied and late, and the lists adopted; finds its state wrong after the seqs in {@link #wrongAfter}. */
    private static final class Recorder implements StatusView.Follower {
        final List<Long> applied = new ArrayList<>();
        final List<Long> late = new ArrayList<>();
        final List<Long> adopted = new ArrayList<>();
        Set<Long> wrongAfter = Set.of();

        @Override
        public boolean apply(StatusEvent event) {
            applied.add(event.seq());
            return !wrongAfter.contains(event.seq());
        }

        @Override
        public void late(StatusEvent event) {
            late.add(event.seq());
        }
    }

    private final Recorder follower = new Recorder();
    private final StatusView view = new StatusView(HOST, follower);

    private static StatusEvent event(String host, long seq) {
        return new StatusEvent(host, seq, Instant.EPOCH, "file:///srv/data", 1, List.of(), "CONNECTED", true, null, null,
                Map.of(), "STATE");
    }

    private Taken on(long seq) {
        return view.onEvent(HOST, event(HOST, seq));
    }

    /** A list as of {@code seq}; returns whether the host needs another. */
    private boolean list(long seq) {
        return view.onList(seq, () -> follower.adopted.add(seq));
    }

    @Test
    void aListAtSeqNThenTheEventsFromNPlusOneOn() {
        assertFalse(list(4));
        assertEquals(Taken.TAKEN, on(3));
        assertEquals(Taken.TAKEN, on(4));
        assertEquals(Taken.TAKEN, on(5));
        assertEquals(Taken.TAKEN, on(6));
        assertEquals(List.of(5L, 6L), follower.applied, "events at or below the list's seq are in it");
        assertEquals(List.of(3L, 4L), follower.late);
    }

    @Test
    void eventsBeforeTheFirstListAreHeldAndAppliedAfterItInSeqOrder() {
        assertTrue(view.waitingForList());
        for (long seq : new long[] {7, 5, 6, 4}) {
            assertEquals(Taken.TAKEN, on(seq));
        }
        assertEquals(List.of(), follower.applied);
        assertFalse(list(4));
        assertEquals(List.of(5L, 6L, 7L), follower.applied);
        assertFalse(view.waitingForList());
    }

    @Test
    void aDuplicateOrOldSeqIsIgnored() {
        list(1);
        for (long seq : new long[] {2, 3, 2, 3, 1}) {
            on(seq);
        }
        assertEquals(List.of(2L, 3L), follower.applied);
        assertEquals(List.of(2L, 3L, 1L), follower.late);
    }

    @Test
    void aGapAsksForAListAndTheHeldEventsApplyAfterIt() {
        list(1);
        assertEquals(Taken.TAKEN, on(2));
        assertEquals(Taken.LIST, on(5));
        assertEquals(Taken.TAKEN, on(6), "held: the list is asked for already");
        assertEquals(List.of(2L), follower.applied, "nothing after the gap until the new list");
        assertFalse(list(4));
        assertEquals(List.of(2L, 5L, 6L), follower.applied);
    }

    @Test
    void aListThatDoesNotCloseTheGapAsksForAnother() {
        list(1);
        assertEquals(Taken.LIST, on(4));
        assertTrue(list(2));
        assertTrue(view.waitingForList());
        assertFalse(list(3));
        assertEquals(List.of(4L), follower.applied);
    }

    @Test
    void aListOlderThanTheStateIsNotAdopted() {
        list(5);
        on(6);
        assertFalse(list(4));
        assertEquals(List.of(5L), follower.adopted);
        on(7);
        assertEquals(List.of(6L, 7L), follower.applied);
    }

    @Test
    void aStateFoundWrongAsksForAListThatOnlyANewEnoughOneAnswers() {
        follower.wrongAfter = Set.of(3L);
        list(1);
        on(2);
        assertEquals(Taken.LIST, on(3));
        on(4);
        assertTrue(list(2), "older than the event that found the state wrong");
        assertEquals(List.of(1L), follower.adopted);
        assertFalse(list(3));
        assertEquals(List.of(2L, 3L, 4L), follower.applied, "event 4, held, applies after the list at 3");
    }

    @Test
    void anEventFromAnotherHostsAddressOrInAnotherHostsNameIsRefused() {
        list(0);
        assertEquals(Taken.REFUSED, view.onEvent("h2", event("h2", 1)), "another host's address");
        assertEquals(Taken.REFUSED, view.onEvent("h2", event(HOST, 1)), "another host's address, in this host's name");
        assertEquals(Taken.REFUSED, view.onEvent(HOST, event("h2", 1)), "this host's address, in another host's name");
        assertEquals(List.of(), follower.applied);
        on(1);
        assertEquals(List.of(1L), follower.applied);
    }

    @Test
    void aBrokerReconnectHoldsEventsUntilTheNextListAndForgetsThoseHeld() {
        list(0);
        view.holdUntilList();
        on(1);
        view.holdUntilList();
        on(3);
        assertTrue(view.waitingForList());
        assertFalse(list(2));
        assertEquals(List.of(3L), follower.applied);
    }
}
