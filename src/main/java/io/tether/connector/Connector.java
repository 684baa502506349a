package io.tether.connector;

import io.tether.connection.StorageUri;

/**
 * Makes, checks and removes one kind of host connection. Implementations run host side effects
 * (mount, iscsiadm, file system checks) and nothing else: deciding when to call them is the
 * monitor's job, which also bounds each call with a timeout. Calls for one connection key never
 * overlap.
 */
public interface Connector {

    /**
     * Returns when the host connection exists and works now; otherwise throws why not. Called every
     * probe interval, so keep it cheap.
     */
    void check(StorageUri uri) throws ConnectorException;

    /** Makes the connection; returns when it works or throws why not. Adopts one that already exists. */
    void connect(StorageUri uri) throws ConnectorException;

    /**
     * {@link #check}, and what the check showed for the monitor to grade the connection's health;
     * the default has nothing to add.
     */
    default Probe probe(StorageUri uri) throws ConnectorException {
        check(uri);
        return Probe.PLAIN;
    }

    /** {@link #connect}, and what the new connection shows (as {@link #probe} says it). */
    default Probe establish(StorageUri uri) throws ConnectorException {
        connect(uri);
        return Probe.PLAIN;
    }

    /** Removes the connection. Succeeds when it is already gone. */
    void disconnect(StorageUri uri) throws ConnectorException;
}
