package io.tether.connection;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * How well a host connection works beyond up or down (docs/monitoring.md, "Health"): {@code OK} or
 * {@code DEGRADED} with the reasons, how long the last probe took and when it ran, and for block
 * connections the multipath paths where the host can tell. The reconciler grades it; a change of
 * {@link #status} or {@link #reasons} is an event, a new {@link #delayMs} alone is not.
 *
 * @param delayMs   the last probe's duration; null before the first probe
 * @param checkedAt when the last probe ran; null before the first probe
 * @param paths     active and failed paths of the LUN's multipath map; null where unknown
 */
public record Health(Status status, List<Reason> reasons, Long delayMs, Instant checkedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) Paths paths) {

    /** OK when nothing is wrong, else DEGRADED. */
    public enum Status { OK, DEGRADED }

    /** Why a connection is DEGRADED (docs/monitoring.md, "Health"). */
    public enum Reason {
        /** The connection is not connected (CONNECTING or DISCONNECTED): lastError says why. */
        NOT_CONNECTED,
        /** iscsid is recovering the iSCSI session (FAILED, or FREE past its recovery timeout): it is left to iscsid. */
        RECOVERING,
        /** The last probe took longer than the delay threshold. */
        SLOW,
        /** A mount that should be read-write is read-only (the kernel remounted it after errors). */
        READ_ONLY,
        /** Some, but not all, paths of the LUN's multipath map have failed. */
        PATHS_FAILED
    }

    /**
     * Paths of a multipath map: {@code active} ones that carry I/O and {@code failed} ones, with
     * the failed ones' block devices as multipathd names them ({@code sdb}), so that an operator
     * knows which path to look at.
     */
    public record Paths(int active, int failed,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> failedDevices) {
        public Paths {
            failedDevices = failedDevices == null ? List.of() : List.copyOf(failedDevices);
        }

        /** Counts alone, where the failed devices are not known. */
        public Paths(int active, int failed) {
            this(active, failed, List.of());
        }
    }

    public Health {
        reasons = List.copyOf(reasons);
    }

    /** Graded from {@code reasons}: OK when there are none. */
    public static Health of(List<Reason> reasons, Long delayMs, Instant checkedAt, Paths paths) {
        return new Health(reasons.isEmpty() ? Status.OK : Status.DEGRADED, reasons, delayMs, checkedAt, paths);
    }

    /** A connection not yet probed and not connected. */
    public static Health notConnected() {
        return of(List.of(Reason.NOT_CONNECTED), null, null, null);
    }

    /** Whether {@code other} differs in what is worth an event: the status or the reasons. */
    public boolean gradedOtherwiseThan(Health other) {
        return other == null || status != other.status || !reasons.equals(other.reasons);
    }
}
