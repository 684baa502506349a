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
    private static final String GROUP = "tether";

    private final Scheduler quartz;

    ProbeSchedule(Consumer<ConnectionKey> fire) throws SchedulerException {
        Properties props = new Properties();
        // Unique name: Quartz keeps schedulers in a JVM-wide registry, and tests run several workers.
        props.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "tether-" + UUID.randomUUID());
        // One pool thread: a firing only hands its key on, and each idle pool thread wakes twice a second.
        props.setProperty("org.quartz.threadPool.threadCount", "1");
        props.setProperty("org.quartz.threadPool.threadNamePrefix", "tether-schedule");
        props.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        props.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        quartz = new StdSchedulerFactory(props).getScheduler();
        // Every firing runs the same stateless job: Quartz's default factory would make one by
        // reflection and set its properties from the data map for each probe of each connection.
        FireJob job = new FireJob(fire);
        quartz.setJobFactory((bundle, scheduler) -> job);
        quartz.start();
    }

    @Override
    public void requeue(ConnectionKey key, Duration delay) {
        // Not durable: Quartz drops the job with its trigger once it has fired or is cancelled.
        // The job's name is the key: nothing to copy into a data map at each firing.
        JobDetail job = JobBuilder.newJob(FireJob.class).withIdentity(key.value(), GROUP).build();
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

    /** What every key's job does: hand its key, the job's name, to the reconciler. */
    static final class FireJob implements Job {
        private final Consumer<ConnectionKey> fire;

        FireJob(Consumer<ConnectionKey> fire) {
            this.fire = fire;
        }

        @Override
        public void execute(JobExecutionContext context) {
            fire.accept(new ConnectionKey(context.getJobDetail().getKey().getName()));
        }
    }
}
