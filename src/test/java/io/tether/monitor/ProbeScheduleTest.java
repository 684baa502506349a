package io.tether.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's schedule on real Quartz: a requeued key fires once its delay has passed and is
 * handed to the consumer; a new plan for a key replaces the old one; a cancelled plan never fires;
 * planned() counts keys, not requeues; a plan that fired or was cancelled leaves no Quartz job
 * behind; thousands of keys each fire once; a closed schedule takes no plans. Quartz reads the
 * system clock, so the delays here are real and short, and each test waits for outcomes with a
 * deadline of seconds; a plan that must not fire is shown by a later plan that did. How plans move
 * with time is tested on a manual clock with the reconciler (ReconcilerTest's ManualSchedule).
 */
class ProbeScheduleTest {
    private static final ConnectionKey A = new ConnectionKey("nfs://server-a/export");
    private static final ConnectionKey B = new ConnectionKey("nfs://server-b/export");
    private static final ConnectionKey C = new ConnectionKey("nfs://server-c/export");
    private static final Duration LONG = Duration.ofHours(1);

    private final List<ConnectionKey> fired = new CopyOnWriteArrayList<>();
    private final Map<ConnectionKey, Long> firstFiredAt = new ConcurrentHashMap<>();
    // What a test does inside a firing, on Quartz's thread, as a reconcile would plan its key.
    private volatile Consumer<ConnectionKey> onFire = key -> { };
    private ProbeSchedule schedule;

    @BeforeEach
    void start() throws Exception {
        schedule = new ProbeSchedule(key -> {
            firstFiredAt.putIfAbsent(key, System.currentTimeMillis());
            fired.add(key);
            onFire.accept(key);
        });
    }

    @AfterEach
    void stop() {
        schedule.close();
    }

    private static ConditionFactory within() {
        return await().atMost(Duration.ofSeconds(20));
    }

    private long times(ConnectionKey key) {
        return fired.stream().filter(key::equals).count();
    }

    @Test
    void aRequeuedKeyFiresOnceItsDelayHasPassed() {
        long requeuedAt = System.currentTimeMillis();
        schedule.requeue(A, Duration.ofMillis(1000));
        assertEquals(1, schedule.planned());

        within().until(() -> fired.contains(A));
        // Quartz may fire a trigger a few milliseconds early, never by half its delay.
        assertTrue(firstFiredAt.get(A) - requeuedAt >= 500, (firstFiredAt.get(A) - requeuedAt) + " ms after the requeue");
        within().until(() -> schedule.planned() == 0);
        assertEquals(List.of(A), fired, "once, as its own key");
    }

    @Test
    void aNewPlanReplacesTheOldOne() {
        schedule.requeue(A, Duration.ofMillis(600));
        schedule.requeue(A, Duration.ofMillis(200));
        assertEquals(1, schedule.planned());
        schedule.requeue(B, Duration.ofMillis(1500));

        within().until(() -> fired.contains(B));
        assertEquals(1, times(A), "the replaced plan, due before B, never fired");
    }

    @Test
    void aLaterPlanReplacesAnEarlierOne() {
        schedule.requeue(A, Duration.ofMillis(200));
        schedule.requeue(A, LONG);
        schedule.requeue(B, Duration.ofMillis(1000));

        within().until(() -> fired.contains(B));
        assertFalse(fired.contains(A), "the replaced plan, due before B, never fired");
        assertEquals(1, schedule.planned(), "A still waits for its later plan");
        assertEquals(1, schedule.jobs());
    }

    @Test
    void aKeyPlannedAgainWhileItFiresFiresAgain() {
        onFire = key -> {
            if (times(key) < 3) {
                schedule.requeue(key, Duration.ofMillis(50));
            }
        };
        schedule.requeue(A, Duration.ofMillis(50));

        within().until(() -> times(A) == 3);
        within().until(() -> schedule.planned() == 0);
        assertEquals(0, schedule.jobs(), "the last firing took its job with it");
    }

    @Test
    void thousandsOfKeysEachFireOnceAndLeaveNoJobBehind() {
        int keys = 5_000;
        for (int i = 0; i < keys; i++) {
            schedule.requeue(new ConnectionKey("nfs://server-" + i + "/export"), LONG);
        }
        assertEquals(keys, schedule.planned());
        assertEquals(keys, schedule.jobs(), "a job per key");

        for (int i = 0; i < keys; i++) {
            schedule.requeue(new ConnectionKey("nfs://server-" + i + "/export"), Duration.ofMillis(i % 500));
        }

        within().until(() -> fired.size() >= keys);
        within().until(() -> schedule.planned() == 0);
        assertEquals(keys, Set.copyOf(fired).size(), "each key once");
        assertEquals(keys, fired.size());
        assertEquals(0, schedule.jobs());
    }

    @Test
    void aKeyCanBePlannedAgainAfterItFired() {
        schedule.requeue(A, Duration.ofMillis(50));
        within().until(() -> times(A) == 1);
        within().until(() -> schedule.planned() == 0);

        schedule.requeue(A, Duration.ofMillis(50));
        within().until(() -> times(A) == 2);
    }

    @Test
    void aCancelledPlanNeverFires() {
        schedule.requeue(A, Duration.ofMillis(300));
        schedule.cancel(A);
        assertEquals(0, schedule.planned());
        assertEquals(0, schedule.jobs(), "its job went with its trigger");
        schedule.requeue(B, Duration.ofMillis(1000));

        within().until(() -> fired.contains(B));
        assertFalse(fired.contains(A));
        schedule.cancel(C);
    }

    @Test
    void plannedCountsKeysNotRequeues() {
        schedule.requeue(A, LONG);
        schedule.requeue(A, LONG);
        schedule.requeue(B, LONG);
        assertEquals(2, schedule.planned());

        schedule.cancel(A);
        assertEquals(1, schedule.planned());
    }

    @Test
    void aClosedScheduleTakesNoPlans() {
        schedule.close();

        assertThrows(IllegalStateException.class, () -> schedule.requeue(A, LONG));
        assertThrows(IllegalStateException.class, () -> schedule.cancel(A));
        assertThrows(IllegalStateException.class, () -> schedule.planned());
    }
}
