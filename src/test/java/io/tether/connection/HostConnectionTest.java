package io.tether.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tether.uri.InvalidUriException;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every state a host connection can be in, against every observation a connector can make. */
class HostConnectionTest {
    private static final Instant MANAGED = Instant.parse("2024-05-01T10:00:00Z");
    private static final Instant SET_UP = Instant.parse("2024-05-01T10:00:01Z");
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:02Z");
    private static final LastError BEFORE = new LastError(451, "StorageServerConnectionError", "refused", MANAGED);
    private static final LastError NEW = new LastError(477, "MountError", "mount failed", NOW);

    /** A connection in {@code state}; one that is DISCONNECTED got there by a failure and holds its error. */
    private static HostConnection in(ConnectionState state) throws InvalidUriException {
        HostConnection connection = new HostConnection(UriParser.parse("nfs://server/export"), MANAGED);
        switch (state) {
            case CONNECTING -> { }
            case CONNECTED -> connection.apply(Observation.connected(), SET_UP);
            case DISCONNECTED -> connection.apply(Observation.failed(BEFORE), SET_UP);
        }
        assertEquals(state, connection.state());
        return connection;
    }

    private static Observation observation(Observation.Kind kind) {
        return switch (kind) {
            case CONNECTED -> Observation.connected();
            case FAILED -> Observation.failed(NEW);
            case RELEASED -> Observation.released();
            case RELEASE_FAILED -> Observation.releaseFailed(NEW);
        };
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}, change {3}, lastError {4}")
    @CsvSource(delimiter = '|', value = {
        // before      | observed       | after        | change | lastError after
        "CONNECTING    | CONNECTED      | CONNECTED    | STATE  | none",
        "CONNECTING    | FAILED         | DISCONNECTED | STATE  | new",
        "CONNECTING    | RELEASED       | DISCONNECTED | STATE  | none",
        "CONNECTING    | RELEASE_FAILED | CONNECTED    | STATE  | new",
        "CONNECTED     | CONNECTED      | CONNECTED    | NONE   | none",
        "CONNECTED     | FAILED         | DISCONNECTED | STATE  | new",
        "CONNECTED     | RELEASED       | DISCONNECTED | STATE  | none",
        "CONNECTED     | RELEASE_FAILED | CONNECTED    | NONE   | new",
        "DISCONNECTED  | CONNECTED      | CONNECTED    | STATE  | none",
        "DISCONNECTED  | FAILED         | DISCONNECTED | NONE   | new",
        "DISCONNECTED  | RELEASED       | DISCONNECTED | NONE   | none",
        "DISCONNECTED  | RELEASE_FAILED | CONNECTED    | STATE  | new",
    })
    void transitions(ConnectionState before, Observation.Kind observed, ConnectionState after, HostConnection.Effect change,
            String lastError) throws Exception {
        HostConnection connection = in(before);
        Instant sinceBefore = connection.since();

        assertEquals(change, connection.apply(observation(observed), NOW), "which event is due");

        assertEquals(after, connection.state());
        // `since` is when the state last changed: it moves with the STATE event, and only then.
        assertEquals(change == HostConnection.Effect.STATE ? NOW : sinceBefore, connection.since());
        switch (lastError) {
            case "none" -> assertNull(connection.lastError());
            case "new" -> assertSame(NEW, connection.lastError());
            default -> throw new IllegalArgumentException(lastError);
        }
    }

    /** Every transition is undone by restoring what was observed before it (an event that could not be written). */
    @ParameterizedTest(name = "{0} + {1} undone")
    @CsvSource({"CONNECTING,CONNECTED", "CONNECTED,FAILED", "DISCONNECTED,CONNECTED", "CONNECTED,RELEASED", "DISCONNECTED,RELEASE_FAILED"})
    void anObservationIsUndoneByRestoringWhatWasObservedBefore(ConnectionState before, Observation.Kind observed) throws Exception {
        HostConnection connection = in(before);
        HostConnection.Observed was = connection.observed();
        java.util.Map<String, Object> info = connection.connectionInfo();

        connection.apply(Observation.connected(Health.of(java.util.List.of(), 7L, NOW, null),
                java.util.Map.of("negotiatedVersion", "4.2")), NOW);
        connection.apply(observation(observed), NOW);
        connection.restore(was);

        assertEquals(was, connection.observed());
        assertEquals(before, connection.state());
        assertEquals(was.since(), connection.since());
        assertSame(was.lastError(), connection.lastError());
        assertSame(was.health(), connection.health());
        assertEquals(info, connection.connectionInfo(), "what the host chose is put back too");
    }

    /**
     * Health: a new grade with another status or other reasons is a HEALTH change; a new delay
     * alone is none; with a state change it is the STATE change, which carries the health.
     */
    @org.junit.jupiter.api.Test
    void aChangeOfStatusOrReasonsIsAHealthChangeADelayAloneIsNot() throws Exception {
        HostConnection connection = in(ConnectionState.CONNECTING);
        assertEquals(Health.notConnected(), connection.health());
        Health ok = Health.of(java.util.List.of(), 3L, NOW, null);
        assertEquals(HostConnection.Effect.STATE, connection.apply(Observation.connected(ok, java.util.Map.of()), NOW));
        assertEquals(HostConnection.Effect.NONE, connection.apply(Observation.connected(
                Health.of(java.util.List.of(), 4L, NOW, null), java.util.Map.of()), NOW), "only the delay changed");
        assertEquals(4L, connection.health().delayMs(), "the new delay is recorded all the same");
        Health slow = Health.of(java.util.List.of(Health.Reason.SLOW), 7000L, NOW, null);
        assertEquals(HostConnection.Effect.HEALTH, connection.apply(Observation.connected(slow, java.util.Map.of()), NOW));
        assertEquals(HostConnection.Effect.HEALTH, connection.apply(Observation.connected(Health.of(
                java.util.List.of(Health.Reason.SLOW, Health.Reason.READ_ONLY), 7000L, NOW, null), java.util.Map.of()), NOW));
        assertEquals(HostConnection.Effect.STATE, connection.apply(Observation.failed(NEW), NOW));
        assertEquals(java.util.List.of(Health.Reason.NOT_CONNECTED), connection.health().reasons(),
                "an ungraded failure is NOT_CONNECTED");
        assertEquals(HostConnection.Effect.STATE, connection.apply(Observation.connected(), NOW));
        assertEquals(Health.Status.OK, connection.health().status(), "an ungraded success drops NOT_CONNECTED");
    }

    @org.junit.jupiter.api.Test
    void whatTheHostChoseIsShownWithTheUrisConnectionInfo() throws Exception {
        HostConnection connection = in(ConnectionState.CONNECTING);
        connection.apply(Observation.connected(Health.of(java.util.List.of(), 1L, NOW, null),
                java.util.Map.of("negotiatedVersion", "4.2")), NOW);
        assertEquals("4.2", connection.connectionInfo().get("negotiatedVersion"));
        assertEquals("server", connection.connectionInfo().get("host"));
        connection.apply(Observation.failed(NEW), NOW);
        assertEquals("4.2", connection.connectionInfo().get("negotiatedVersion"), "kept until the host says otherwise");
    }

    @org.junit.jupiter.api.Test
    void aNewConnectionHasItsUrisKeyAndConnectionInfo() throws Exception {
        StorageUri uri = UriParser.parse("nfs://server/export?version=4.1");
        HostConnection connection = new HostConnection(uri, MANAGED);
        assertEquals(uri.key(), connection.key());
        assertEquals(uri.connectionInfo(), connection.connectionInfo(), "nothing the host chose yet");
    }
}
