package io.tether.connection;

import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One host connection (a mount or an iSCSI session) and the CIDs that hold it. This class alone
 * decides state transitions ({@link #apply}); everything else reads its state. Not thread-safe:
 * its owner ({@code worker.StorageService}) guards it.
 *
 * <p>Rules: a connection starts {@code CONNECTING} when managed or loaded at start-up; a success
 * makes it {@code CONNECTED} and clears {@code lastError}; a failure makes it {@code DISCONNECTED}
 * and sets {@code lastError}, which stays until the next success. A retry that fails again while
 * {@code DISCONNECTED} updates {@code lastError} without a state change. Health is what the monitor
 * graded last ({@link Health}); a new grade with another status or other reasons is a change of its
 * own, a new delay alone is not. A restarted worker's first transition into the state its
 * previous run last recorded keeps that state's since ({@link #lastSeen}).
 */
public final class HostConnection {
    private final ConnectionKey key;
    private StorageUri uri;
    private final SortedSet<String> cids = new TreeSet<>();
    private ConnectionState state = ConnectionState.CONNECTING;
    private Instant since;
    private LastError lastError;
    private Health health = Health.notConnected();
    /** What the host chose that the URI leaves open (e.g. the NFS version), shown in connectionInfo. */
    private Map<String, Object> observedInfo = Map.of();
    /** The monitor's retry of this connection, or null when it is not retrying it. */
    private Retry retry;
    /** What the worker's previous run last saw, until the first transition of this one. */
    private LastSeen lastSeen;

    /** What applying an observation changed, and so which event is due. */
    public enum Effect {
        /** Nothing worth an event (the same state and grade; perhaps a new delay). */
        NONE,
        /** The state changed: a STATE event, which carries the health too. */
        STATE,
        /** Only the health's status or reasons changed: a HEALTH event. */
        HEALTH
    }

    HostConnection(StorageUri uri, Instant since) {
        this.key = uri.key();
        this.uri = uri;
        this.since = since;
    }

    /** Applies what the connector saw and the monitor graded; says which event is due. */
    public Effect apply(Observation observation, Instant now) {
        ConnectionState next = switch (observation.kind()) {
            case CONNECTED -> ConnectionState.CONNECTED;
            case FAILED, RELEASED -> ConnectionState.DISCONNECTED;
            // A failed disconnect leaves the connection up.
            case RELEASE_FAILED -> ConnectionState.CONNECTED;
        };
        lastError = observation.error();
        Health previous = health;
        if (observation.health() != null) {
            health = observation.health();
        } else {
            health = matchingState(health, next);
        }
        if (observation.info() != null) {
            observedInfo = observation.info();
        }
        if (next == state) {
            return health.gradedOtherwiseThan(previous) ? Effect.HEALTH : Effect.NONE;
        }
        state = next;
        // A restart is no change of the connection's own: found as it was left, it keeps its since.
        since = lastSeen != null && lastSeen.state() == next ? lastSeen.since() : now;
        lastSeen = null;
        return Effect.STATE;
    }

    /**
     * The state and since the worker's previous run last recorded for this connection, loaded
     * with its CIDs: the first transition keeps that since when it lands in that state.
     */
    public void lastSeen(LastSeen seen) {
        this.lastSeen = seen;
    }

    /** The state a connection was last recorded in, and since when. */
    public record LastSeen(ConnectionState state, Instant since) {
    }

    /**
     * What {@link #apply} changes, as it is now: taken before an observation is applied, so that
     * one whose event cannot be recorded (a full disk) is undone, and the list never shows a change
     * the event stream lacks.
     */
    public Observed observed() {
        return new Observed(state, since, lastError, health, observedInfo, lastSeen);
    }

    /** Puts back what {@link #observed()} took. */
    public void restore(Observed before) {
        state = before.state();
        since = before.since();
        lastError = before.lastError();
        health = before.health();
        observedInfo = before.info();
        lastSeen = before.lastSeen();
    }

    /** The part of a connection that observations change. */
    public record Observed(ConnectionState state, Instant since, LastError lastError, Health health,
            Map<String, Object> info, LastSeen lastSeen) {
    }

    /**
     * {@code last} made to agree with {@code state} for an observation the monitor did not grade (a
     * released or failed disconnect): a connection that is not connected is DEGRADED with
     * {@code NOT_CONNECTED} (or its {@code RECOVERING}), one that is loses {@code NOT_CONNECTED}.
     */
    private static Health matchingState(Health last, ConnectionState state) {
        boolean down = last.reasons().contains(Health.Reason.NOT_CONNECTED) || last.reasons().contains(Health.Reason.RECOVERING);
        if (state == ConnectionState.CONNECTED && down) {
            return Health.of(List.of(), last.delayMs(), last.checkedAt(), last.paths());
        }
        if (state != ConnectionState.CONNECTED && !down) {
            return Health.of(List.of(Health.Reason.NOT_CONNECTED), last.delayMs(), last.checkedAt(), null);
        }
        return last;
    }

    /** The monitor's retry of this connection, or null when it is not retrying it (connected, or given up). */
    public Retry retry() {
        return retry;
    }

    /** What the monitor planned: a retry, or null for none. */
    public void retry(Retry planned) {
        this.retry = planned;
    }

    /** The last graded health. */
    public Health health() {
        return health;
    }

    /** The URI's connection info, with what the host chose added (e.g. {@code negotiatedVersion}). */
    public Map<String, Object> connectionInfo() {
        Map<String, Object> info = uri.connectionInfo();
        if (observedInfo.isEmpty()) {
            return info;
        }
        Map<String, Object> merged = new LinkedHashMap<>(info);
        merged.putAll(observedInfo);
        return merged;
    }

    public ConnectionKey key() {
        return key;
    }

    /** The URI whose settings the host connection uses (the first CID's). */
    public StorageUri uri() {
        return uri;
    }

    void setUri(StorageUri uri) {
        this.uri = uri;
    }

    public SortedSet<String> cids() {
        return Collections.unmodifiableSortedSet(cids);
    }

    SortedSet<String> mutableCids() {
        return cids;
    }

    public ConnectionState state() {
        return state;
    }

    public Instant since() {
        return since;
    }

    public LastError lastError() {
        return lastError;
    }
}
