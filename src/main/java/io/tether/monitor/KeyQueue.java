package io.tether.monitor;

import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import org.quartz.SchedulerException;

/**
 * The connection keys waiting for a reconcile, in the shape of controller-runtime's rate-limited
 * work queue. A key asked for is handed out once however often it is asked for before it is
 * taken; a key that is taken is not handed out again until it is {@link #done}, and if it was
 * asked for meanwhile it is handed out once more right after: so at most one reconcile runs per
 * key, and none misses a change. Keys come back later by a plan kept in a {@link Schedule}
 * (Quartz on a worker): after a delay, or after the backoff for the failures in a row that the
 * queue counts per key. Forgetting a key drops both its plan and its failures.
 *
 * <p>A key asked for while it runs gets no plan from that run: the run right after it plans.
 */
final class KeyQueue implements AutoCloseable {

    /** A retry the queue planned: after {@code after}, the {@code failures}-th failure in a row. */
    record Backoff(Duration after, int failures) {
    }

    private final MonitorSettings settings;
    private final DoubleSupplier random;
    private final Schedule schedule;
    // Guarded by this: the keys to hand out in order, those asked for and not yet taken (a key
    // taken and asked for again is in asked but not in ready), and those taken and not done.
    private final Queue<ConnectionKey> ready = new ArrayDeque<>();
    private final Set<ConnectionKey> asked = new HashSet<>();
    private final Set<ConnectionKey> taken = new HashSet<>();
    private boolean closed;
    // Written only by the one thread that holds the key taken.
    private final Map<ConnectionKey, Integer> failures = new ConcurrentHashMap<>();

    /**
     * @param schedule makes the schedule that hands back each planned key when it is due
     * @param random   numbers in [0, 1) that place each backoff delay in its jitter band
     */
    KeyQueue(MonitorSettings settings, Schedule.Factory schedule, DoubleSupplier random) throws SchedulerException {
        this.settings = settings;
        this.random = random;
        this.schedule = schedule.start(this::add);
    }

    /** Asks for {@code key} to be reconciled now; never blocks. */
    synchronized void add(ConnectionKey key) {
        if (closed || !asked.add(key)) {
            return;
        }
        if (!taken.contains(key)) {
            ready.add(key);
            // Every waiter waits for the same thing, and one key needs one of them: waking all
            // (as many as there are reconcile threads) on each request would cost every request.
            notify();
        }
    }

    /**
     * Waits for a key to reconcile and marks it taken until {@link #done}; null once the queue is
     * closed.
     */
    synchronized ConnectionKey take() throws InterruptedException {
        while (!closed && ready.isEmpty()) {
            wait();
        }
        if (closed) {
            return null;
        }
        ConnectionKey key = ready.remove();
        asked.remove(key);
        taken.add(key);
        return key;
    }

    /** Ends the reconcile of {@code key}; hands it out again if it was asked for meanwhile. */
    synchronized void done(ConnectionKey key) {
        taken.remove(key);
        if (asked.contains(key) && !closed) {
            ready.add(key);
            notify();
        }
    }

    /**
     * Plans {@code key} after {@code delay}, a success: its failures start again from none. Returns
     * whether it had failures, so a retry shown for it is to be cleared.
     */
    boolean requeueAfter(ConnectionKey key, Duration delay) {
        boolean retrying = failures.remove(key) != null;
        if (plansFor(key)) {
            schedule.requeue(key, delay);
        }
        return retrying;
    }

    /**
     * Counts a failure of {@code key} and plans it after the backoff; empty when no plan is made
     * (the key runs again at once, or the queue is closed).
     *
     * @param outage the connection was up when the failing reconcile began: the first retry of an
     *               outage waits {@link MonitorSettings#firstRetryAfterOutage}
     */
    Optional<Backoff> retry(ConnectionKey key, boolean outage) {
        int failed = failures.merge(key, 1, Integer::sum);
        // Hosts that lose one server together see it at the same moment: a random first delay
        // spreads their retries, and so their reconnects when it is back (docs/monitoring.md).
        Duration after = failed == 1 && outage ? settings.firstRetryAfterOutage(random) : settings.retry().delay(failed, random);
        if (!plansFor(key)) {
            return Optional.empty();
        }
        schedule.requeue(key, after);
        return Optional.of(new Backoff(after, failed));
    }

    /**
     * Drops {@code key}'s failures and its plan: nothing brings it back but a new request. Returns
     * whether it had failures.
     */
    boolean forget(ConnectionKey key) {
        boolean retrying = failures.remove(key) != null;
        if (plansFor(key)) {
            schedule.cancel(key);
        }
        return retrying;
    }

    /** Whether a plan made for {@code key} now matters: not when it runs again at once anyway. */
    private synchronized boolean plansFor(ConnectionKey key) {
        return !closed && !asked.contains(key);
    }

    /** How many keys have a plan. */
    int planned() {
        return schedule.planned();
    }

    /** Whether keys are still handed out. */
    synchronized boolean isOpen() {
        return !closed;
    }

    /** Stops the plans, hands out no key any more and wakes every {@link #take}. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        schedule.close();
    }
}
