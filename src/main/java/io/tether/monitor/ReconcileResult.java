package io.tether.monitor;

import io.tether.connection.LastError;
import java.time.Duration;

/**
 * What one reconcile of a connection key decided happens next, as controller-runtime's
 * {@code Reconcile} returns {@code Result{RequeueAfter}}, an error or a {@code TerminalError}. The
 * reconciler's step returns one; {@link Reconciler} acts on it in one place.
 */
sealed interface ReconcileResult {

    /** The connection is as wanted: look again after {@code after}, the probe interval. */
    record RequeueAfter(Duration after) implements ReconcileResult {
    }

    /** The key is not tracked (any more): plan nothing and drop its failure count. */
    record Forget() implements ReconcileResult {
    }

    /**
     * The {@code failures}-th failure in a row (already reported to the table): try again after
     * the backoff {@code after}.
     */
    record Retry(Duration after, int failures) implements ReconcileResult {
    }

    /**
     * Failed in a way no retry can mend ({@code error}): nothing is planned until the key is asked
     * for again (a manage, an unmanage, a restart).
     */
    record Terminal(LastError error) implements ReconcileResult {
    }
}
