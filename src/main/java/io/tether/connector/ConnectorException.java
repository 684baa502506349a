package io.tether.connector;

import io.tether.connection.LastError;
import java.time.Instant;

/**
 * A probe, establish or disconnect failure, with the VDSM storage error number that fits it so an
 * engine written for VDSM keeps its error handling. Messages never contain credentials.
 */
public final class ConnectorException extends Exception {
    private final VdsmError error;
    private final boolean hung;
    private final boolean recovering;

    public ConnectorException(VdsmError error, String message) {
        this(error, message, false, false);
    }

    private ConnectorException(VdsmError error, String message, boolean hung, boolean recovering) {
        super(message, null, false, false);
        this.error = error;
        this.hung = hung;
        this.recovering = recovering;
    }

    /**
     * The connection is down and the host itself is bringing it back (iscsid recovering an iSCSI
     * session): reconnecting now would turn a blip into an outage, so the monitor waits.
     */
    public static ConnectorException recovering(VdsmError error, String message) {
        return new ConnectorException(error, message, false, true);
    }

    /** True when the host is recovering the connection by itself; see {@link #recovering}. */
    public boolean isRecovering() {
        return recovering;
    }

    /** The operation did not return in time, or an earlier one is still stuck: the target is hung. */
    public static ConnectorException hung(VdsmError error, String message) {
        return new ConnectorException(error, message, true, false);
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
