package io.tether.connection;

import java.time.Instant;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One host connection (a mount or an iSCSI session) and the CIDs that hold it. This class alone
 * decides state transitions ({@link #observe}); everything else reads its state. Not thread-safe:
 * its owner ({@code worker.StorageService}) guards it.
 *
 * <p>Rules: a connection starts {@code CONNECTING} when managed or loaded at start-up; a success
 * makes it {@code CONNECTED} and clears {@code lastError}; a failure makes it {@code DISCONNECTED}
 * and sets {@code lastError}, which stays until the next success. A retry that fails again while
 * {@code DISCONNECTED} updates {@code lastError} without a state change.
 */
public final class HostConnection {
    private final ConnectionKey key;
    private StorageUri uri;
    private final SortedSet<String> cids = new TreeSet<>();
    private ConnectionState state = ConnectionState.CONNECTING;
    private Instant since;
    private LastError lastError;

    HostConnection(StorageUri uri, Instant since) {
        this.key = uri.key();
        this.uri = uri;
        this.since = since;
    }

    /**
     * Applies what the connector saw. Returns true when the state changed, which is when a status
     * event is due.
     */
    public boolean observe(Observation observation, Instant now) {
        ConnectionState next = switch (observation.kind()) {
            case CONNECTED -> ConnectionState.CONNECTED;
            case FAILED, RELEASED -> ConnectionState.DISCONNECTED;
            // A failed disconnect leaves the connection up.
            case RELEASE_FAILED -> ConnectionState.CONNECTED;
        };
        lastError = observation.error();
        if (next == state) {
            return false;
        }
        state = next;
        since = now;
        return true;
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
