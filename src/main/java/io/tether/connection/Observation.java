package io.tether.connection;

/** What a connector saw when the worker acted on a host connection. */
public record Observation(Kind kind, LastError error) {

    public enum Kind {
        /** Connected (adopted as it was, or connected just now). */
        CONNECTED,
        /** Not connected, and connecting failed with {@code error}. */
        FAILED,
        /** Disconnected on purpose after its last CID went. */
        RELEASED,
        /** The disconnect after its last CID went failed with {@code error}; it stays active. */
        RELEASE_FAILED
    }

    public static Observation connected() {
        return new Observation(Kind.CONNECTED, null);
    }

    public static Observation failed(LastError error) {
        return new Observation(Kind.FAILED, error);
    }

    public static Observation released() {
        return new Observation(Kind.RELEASED, null);
    }

    public static Observation releaseFailed(LastError error) {
        return new Observation(Kind.RELEASE_FAILED, error);
    }
}
