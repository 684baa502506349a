package io.tether.amqp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.amqp.BrokerLink.State;
import io.tether.testing.LogLines;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The link's states as Qpid's callbacks move it, and what its listeners are told. */
class BrokerLinkTest {
    private static final URI REMOTE = URI.create("amqp://127.0.0.1:5672");

    private final BrokerLink link = new BrokerLink(null);
    private final List<State> told = new ArrayList<>();

    BrokerLinkTest() {
        link.addListener((state, cause) -> told.add(state));
    }

    @Test
    void aNewLinkIsUp() {
        assertEquals(State.UP, link.state());
        assertTrue(link.isUp());
        assertNull(link.cause());
    }

    @Test
    void anInterruptionIsDownUntilRestored() {
        link.onConnectionInterrupted(REMOTE);
        assertEquals(State.INTERRUPTED, link.state());
        assertFalse(link.isUp());
        link.onConnectionRestored(REMOTE);
        assertEquals(State.RESTORED, link.state());
        assertTrue(link.isUp());
        assertEquals(List.of(State.INTERRUPTED, State.RESTORED), told);
    }

    @Test
    void aFailureIsLostForGoodWithItsCause() {
        IOException why = new IOException("broker gone");
        link.onConnectionInterrupted(REMOTE);
        link.onConnectionFailure(why);
        assertEquals(State.LOST, link.state());
        assertSame(why, link.cause());
        assertFalse(link.isUp());
        link.onConnectionRestored(REMOTE);
        link.onConnectionEstablished(REMOTE);
        assertEquals(State.LOST, link.state());
        assertEquals(List.of(State.INTERRUPTED, State.LOST), told);
    }

    @Test
    void aListenerThatFailsKeepsNeitherTheStateNorTheOthersFromTheChange() {
        BrokerLink failing = new BrokerLink(null);
        List<State> second = new ArrayList<>();
        failing.addListener((state, cause) -> {
            throw new IllegalStateException("listener bug");
        });
        failing.addListener((state, cause) -> second.add(state));
        try (LogLines log = new LogLines(BrokerLink.class)) {
            failing.onConnectionInterrupted(REMOTE);
            assertEquals(State.INTERRUPTED, failing.state());
            assertEquals(List.of(State.INTERRUPTED), second);
            // Not silent: the listener's bug is one line of the log.
            assertEquals(List.of("a listener of the broker link failed on INTERRUPTED: java.lang.IllegalStateException: listener bug"),
                    log.lines());
        }
    }
}
