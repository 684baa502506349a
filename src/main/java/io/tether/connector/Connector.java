package io.tether.connector;

import io.tether.connection.StorageUri;

/**
 * Makes, checks and removes one kind of host connection. Implementations run host side effects
 * (mount, iscsiadm, file system checks) and nothing else: deciding when to call them is the
 * monitor's job. Calls for one connection key never overlap.
 */
public interface Connector {

    /** Whether the host connection exists and works now. A failure to tell is a ConnectorException. */
    boolean isConnected(StorageUri uri) throws ConnectorException;

    /** Makes the connection; returns when it works or throws why not. Adopts one that already exists. */
    void connect(StorageUri uri) throws ConnectorException;

    /** Removes the connection. Succeeds when it is already gone. */
    void disconnect(StorageUri uri) throws ConnectorException;
}
