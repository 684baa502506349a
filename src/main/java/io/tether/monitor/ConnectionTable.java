package io.tether.monitor;

import io.tether.connection.ConnectionState;
import io.tether.connection.Retry;
import io.tether.connection.Observation;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageUri;
import java.util.Optional;

/** What the reconciler needs from the worker's state: desired state in, observations out. */
public interface ConnectionTable {

    /** The desired state of one host connection, or empty when the worker no longer tracks it. */
    Optional<Desired> target(ConnectionKey key);

    /**
     * Records what a connector saw; the table decides whether the state changed. Returns false when
     * a change could not be made durable (its event not written): the table is then as it was, and
     * the caller looks again later.
     */
    boolean observe(ConnectionKey key, Observation observation);

    /**
     * What the monitor planned for {@code key} after a reconcile: a retry ({@code failures} in a row,
     * the next attempt at {@code nextAttemptAt}), or none ({@code null}: connected, or given up),
     * for the list to show. Nothing is recorded: a restart starts the count again.
     */
    default void planned(ConnectionKey key, Retry retry) {
    }

    /**
     * @param uri    the settings to connect with
     * @param wanted false once no CID holds the connection: it is to be disconnected
     * @param state  the state last recorded
     */
    record Desired(StorageUri uri, boolean wanted, ConnectionState state) {
    }
}
