package io.tether.monitor;

import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.Date;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;

/**
 * The {@link Schedule} of a running worker: one Quartz trigger per connection key (never per
 * CID), replaced after every reconcile by its "requeue after". Firing only hands the key to the
 * reconciler's {@link KeyQueue}, so Quartz's own threads never wait on storage.
 *
 * <p>Each key has its own job as well as its own trigger, a job that goes with its trigger.
 * Quartz's RAMJobStore keeps a list of triggers per job: removing a trigger (when it has fired,
 * or is cancelled) copies every trigger of its job to see whether the job is left without one,
 * and replacing a trigger searches that list. Were all keys to share one job, each plan would
 * cost as much as there are keys, and probing them all every interval would grow with their
 * square. With a job per key each list holds one trigger; what is left is hash maps and the
 * store's set of triggers sorted by fire time, so a plan costs O(log n).
 */
final class ProbeSchedule implements Schedule {
    private static final String FIRE = "fire";
    private static final String GROUP = "tether";
    private static final String KEY = "key";

    private final Scheduler quartz;

    ProbeSchedule(Consumer<ConnectionKey> fire) throws SchedulerException {
        Properties props = new Properties();
        // Unique name: Quartz keeps schedulers in a JVM-wide registry, and tests run several workers.
        props.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "tether-" + UUID.randomUUID());
        props.setProperty("org.quartz.threadPool.threadCount", "2");
        props.setProperty("org.quartz.threadPool.threadNamePrefix", "tether-schedule");
        props.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        props.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        quartz = new StdSchedulerFactory(props).getScheduler();
        quartz.getContext().put(FIRE, fire);
        quartz.start();
    }

    @Override
    public void requeue(ConnectionKey key, Duration delay) {
        // Not durable: Quartz drops the job with its trigger once it has fired or is cancelled.
        JobDetail job = JobBuilder.newJob(FireJob.class).withIdentity(key.value(), GROUP)
                .usingJobData(KEY, key.value()).build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(triggerKey(key)).forJob(job)
                .startAt(new Date(System.currentTimeMillis() + delay.toMillis()))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                .build();
        try {
            // Replacing: the key's job and trigger, if it has them, in one step under the store's lock.
            quartz.scheduleJob(job, Set.of(trigger), true);
        } catch (SchedulerException e) {
            throw new IllegalStateException("scheduling the next reconcile of " + key + " failed", e);
        }
    }

    @Override
    public void cancel(ConnectionKey key) {
        try {
            quartz.unscheduleJob(triggerKey(key));
        } catch (SchedulerException e) {
            throw new IllegalStateException("unscheduling " + key + " failed", e);
        }
    }

    @Override
    public int planned() {
        try {
            return quartz.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP)).size();
        } catch (SchedulerException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many jobs Quartz holds: one for each planned key, none left by a plan that fired or was cancelled. */
    int jobs() {
        try {
            return quartz.getJobKeys(GroupMatcher.jobGroupEquals(GROUP)).size();
        } catch (SchedulerException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TriggerKey triggerKey(ConnectionKey key) {
        return TriggerKey.triggerKey(key.value(), GROUP);
    }

    @Override
    public void close() {
        try {
            quartz.shutdown(false);
        } catch (SchedulerException e) {
            // Shutting down; nothing more to do.
        }
    }

    /** What every key's job does: hand its key to the reconciler. */
    public static final class FireJob implements Job {
        @Override
        @SuppressWarnings("unchecked")
        public void execute(JobExecutionContext context) {
            try {
                Consumer<ConnectionKey> fire = (Consumer<ConnectionKey>) context.getScheduler().getContext().get(FIRE);
                fire.accept(new ConnectionKey(context.getMergedJobDataMap().getString(KEY)));
            } catch (SchedulerException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
