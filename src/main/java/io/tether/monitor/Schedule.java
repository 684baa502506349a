package io.tether.monitor;

import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.function.Consumer;
import org.quartz.SchedulerException;

/**
 * When each connection key is next reconciled: at most one plan per key, which a new plan
 * replaces. {@link ProbeSchedule} keeps the plans in Quartz; a test keeps them by hand and moves
 * its own clock.
 */
interface Schedule extends AutoCloseable {

    /** Reconcile {@code key} again after {@code delay}, replacing any earlier plan for it. */
    void requeue(ConnectionKey key, Duration delay);

    /** Drop the plan for {@code key}, if any. */
    void cancel(ConnectionKey key);

    /** How many keys have a reconcile planned. */
    int planned();

    @Override
    void close();

    /** Makes a schedule that hands each key that is due to {@code fire}. */
    @FunctionalInterface
    interface Factory {
        Schedule start(Consumer<ConnectionKey> fire) throws SchedulerException;
    }
}
