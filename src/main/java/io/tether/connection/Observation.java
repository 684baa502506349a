package io.tether.connection;

import java.util.Map;

/**
 * What a connector saw when the worker acted on a host connection, and the health the monitor
 * graded from it ({@code health}: null leaves the recorded health as it is). {@code info} holds
 * what the host chose that the URI leaves open (the NFS version mount negotiated, say), shown in
 * {@code connectionInfo}; null leaves the recorded one as it is.
 */
public record Observation(Kind kind, LastError error, Health health, Map<String, Object> info) {

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

    public Observation {
        info = info == null ? null : Map.copyOf(info);
    }

    public Observation(Kind kind, LastError error) {
        this(kind, error, null, null);
    }

    public static Observation connected() {
        return new Observation(Kind.CONNECTED, null);
    }

    /** Connected, graded {@code health}, with what the host chose ({@code info}). */
    public static Observation connected(Health health, Map<String, Object> info) {
        return new Observation(Kind.CONNECTED, null, health, info);
    }

    public static Observation failed(LastError error) {
        return new Observation(Kind.FAILED, error);
    }

    /** Not connected because of {@code error}, graded {@code health}. */
    public static Observation failed(LastError error, Health health) {
        return new Observation(Kind.FAILED, error, health, null);
    }

    public static Observation released() {
        return new Observation(Kind.RELEASED, null);
    }

    public static Observation releaseFailed(LastError error) {
        return new Observation(Kind.RELEASE_FAILED, error);
    }
}
