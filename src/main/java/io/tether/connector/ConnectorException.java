package io.tether.connector;

import io.tether.connection.LastError;
import java.time.Instant;

/**
 * A connect, probe or disconnect failure, with the VDSM storage error number that fits it so an
 * engine written for VDSM keeps its error handling. Messages never contain credentials.
 */
public final class ConnectorException extends Exception {
    private final VdsmError error;

    public ConnectorException(VdsmError error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    public VdsmError error() {
        return error;
    }

    public LastError toLastError(Instant at) {
        return new LastError(error.code(), error.name(), getMessage(), at);
    }
}
