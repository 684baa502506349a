package io.tether.connector;

import io.tether.connection.LastError;
import java.time.Instant;

/**
 * A connect, probe or disconnect failure, with the VDSM storage error number that fits it so an
 * engine written for VDSM keeps its error handling. Messages never contain credentials.
 */
public final class ConnectorException extends Exception {
    private final VdsmError error;
    private final boolean hung;

    public ConnectorException(VdsmError error, String message) {
        this(error, message, false);
    }

    private ConnectorException(VdsmError error, String message, boolean hung) {
        super(message, null, false, false);
        this.error = error;
        this.hung = hung;
    }

    /** The operation did not return in time, or an earlier one is still stuck: the target is hung. */
    public static ConnectorException hung(VdsmError error, String message) {
        return new ConnectorException(error, message, true);
    }

    /** True when the failure is a hang rather than an answer; trying another operation now would only queue behind it. */
    public boolean isHung() {
        return hung;
    }

    public VdsmError error() {
        return error;
    }

    public LastError toLastError(Instant at) {
        return new LastError(error.code(), error.name(), getMessage(), at);
    }
}
