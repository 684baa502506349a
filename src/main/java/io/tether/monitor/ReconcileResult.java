package io.tether.monitor;

import io.tether.connection.LastError;
import java.time.Duration;

/**
 * What one reconcile of a connection key decided happens next, as controller-runtime's
 * {@code Reconcile} returns {@code Result{RequeueAfter}}, an error or a {@code TerminalError}. The
 * reconciler's step returns one; the {@link KeyQueue} plans the key's next turn from it.
 */
sealed interface ReconcileResult {

    /** The connection is as wanted (or the host recovers it): look again after {@code after}; no failures kept. */
    record RequeueAfter(Duration after) implements ReconcileResult {
    }

    /** The key is not tracked (any more): plan nothing and drop its failure count. */
    record Forget() implements ReconcileResult {
    }

    /**
     * A failure (already reported to the table): try again after the backoff of the failures in a
     * row. {@code outage}: the connection was up when this reconcile began, so if it is the first
     * failure in a row, its retry is spread ({@link MonitorSettings#firstRetryAfterOutage}).
     */
    record Retry(boolean outage) implements ReconcileResult {
    }

    /**
     * Failed in a way no retry can mend ({@code error}): nothing is planned until the key is asked
     * for again (a manage, an unmanage, a restart).
     */
    record Terminal(LastError error) implements ReconcileResult {
    }
}
