package io.tether.monitor;

import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@link Schedule} of a running worker: one timer task per connection key (never per CID),
 * replaced after every reconcile by its "requeue after", on one thread ({@code tether-schedule}).
 * Firing only hands the key to the reconciler's {@link KeyQueue}, which never blocks, so the timer's
 * thread never waits on storage or on a connector.
 *
 * <p>The timer is the JDK's {@link ScheduledThreadPoolExecutor}: its queue is a heap that knows each
 * task's place in it, so a plan, a firing and a cancel each cost O(log n) in the number of keys
 * planned, and a probe of a healthy connection costs one task and one wake-up of this thread. Its
 * delays run on {@link System#nanoTime}, so a change of the wall clock moves no plan.
 */
final class ProbeSchedule implements Schedule {
    private final Consumer<ConnectionKey> fire;
    private final ScheduledThreadPoolExecutor timer;
    /** Each key's current plan; a plan removes itself when it fires. */
    private final Map<ConnectionKey, Plan> plans = new ConcurrentHashMap<>();

    ProbeSchedule(Consumer<ConnectionKey> fire) {
        this.fire = fire;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tether-schedule");
            t.setDaemon(true);
            return t;
        });
        // A replaced or cancelled plan leaves the heap at once instead of waiting there for its time.
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public void requeue(ConnectionKey key, Duration delay) {
        // Under the map's lock for the key: the old plan is cancelled and the new one set as one step.
        plans.compute(key, (k, old) -> {
            if (old != null) {
                old.cancel();
            }
            return new Plan(k, delay);
        });
    }

    @Override
    public void cancel(ConnectionKey key) {
        requireOpen();
        Plan plan = plans.remove(key);
        if (plan != null) {
            plan.cancel();
        }
    }

    @Override
    public int planned() {
        requireOpen();
        return plans.size();
    }

    /** How many tasks the timer holds: one per planned key, none left by a plan that fired, was replaced or cancelled. */
    int tasks() {
        return timer.getQueue().size();
    }

    private void requireOpen() {
        if (timer.isShutdown()) {
            throw new IllegalStateException("the schedule is closed");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        plans.clear();
    }

    /** One key's plan: a task in the timer that hands the key over when due, unless replaced first. */
    private final class Plan implements Runnable {
        private final ConnectionKey key;
        private final ScheduledFuture<?> task;

        /** Plans the key; the timer may run it before this returns, when the map's lock lets it. */
        Plan(ConnectionKey key, Duration delay) {
            this.key = key;
            try {
                this.task = timer.schedule(this, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                throw new IllegalStateException("scheduling the next reconcile of " + key + " failed: the schedule is closed", e);
            }
        }

        void cancel() {
            task.cancel(false);
        }

        @Override
        public void run() {
            // A plan replaced just as it came due may still run: only the key's current plan fires.
            if (plans.remove(key, this)) {
                fire.accept(key);
            }
        }
    }
}
