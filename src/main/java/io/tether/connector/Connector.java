package io.tether.connector;

import io.tether.uri.StorageUri;

/**
 * Makes, probes and removes one kind of host connection. Implementations run host side effects
 * (mount, iscsiadm, file system checks) and nothing else: deciding when to call them is the
 * monitor's job, which also bounds each call with a timeout. Calls for one connection key never
 * overlap. The connections that no CID holds are listed by {@link ActiveConnections}, not here.
 */
public interface Connector {

    /**
     * Returns what the host connection shows when it exists and works now, for the monitor to grade
     * its health; otherwise throws why not. Called every probe interval, so keep it cheap.
     */
    Probe probe(StorageUri uri) throws ConnectorException;

    /**
     * Brings the connection up, adopting one that already exists, and returns what it shows (as
     * {@link #probe} says it) once it works; otherwise throws why not.
     */
    Probe establish(StorageUri uri) throws ConnectorException;

    /** Removes the connection. Succeeds when it is already gone. */
    void disconnect(StorageUri uri) throws ConnectorException;
}
