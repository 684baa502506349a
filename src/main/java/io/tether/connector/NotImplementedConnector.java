package io.tether.connector;

import io.tether.connection.StorageType;
import io.tether.connection.StorageUri;

/** Stands in for the connectors not written yet: such connections stay DISCONNECTED and say why. */
public final class NotImplementedConnector implements Connector {
    private final StorageType type;

    public NotImplementedConnector(StorageType type) {
        this.type = type;
    }

    @Override
    public void check(StorageUri uri) throws ConnectorException {
        connect(uri);
    }

    @Override
    public void connect(StorageUri uri) throws ConnectorException {
        throw new ConnectorException(VdsmError.StorageServerConnectionError,
                "the " + type.scheme() + " connector is not implemented yet in this Tether version");
    }

    @Override
    public void disconnect(StorageUri uri) {
        // It never connected anything.
    }
}
