package io.tether.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.retry.RetryPolicy;
import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's work queue on its own: each key handed out once however often it is asked for,
 * never to two reconciles at once, once more after a run it was asked for during; plans kept in
 * {@link ReconcilerTest}'s manual schedule; the backoff of the failures it counts; and forgetting.
 * Waits have deadlines, never sleeps.
 */
class KeyQueueTest {
    private static final ConnectionKey A = new ConnectionKey("nfs://server-a/export");
    private static final ConnectionKey B = new ConnectionKey("nfs://server-b/export");
    private static final RetryPolicy RETRY = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.2);
    private static final MonitorSettings SETTINGS = new MonitorSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), RETRY, 4);

    private final ReconcilerTest.ManualClock clock = new ReconcilerTest.ManualClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final ReconcilerTest.ScriptedRandom random = new ReconcilerTest.ScriptedRandom();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private ReconcilerTest.ManualSchedule schedule;
    private KeyQueue queue;

    private KeyQueue start(MonitorSettings settings) throws Exception {
        queue = new KeyQueue(settings, fire -> schedule = new ReconcilerTest.ManualSchedule(clock, fire), random);
        return queue;
    }

    @AfterEach
    void stop() {
        if (queue != null) {
            queue.close();
        }
        threads.shutdownNow();
    }

    /** The next key handed out, with a deadline: a queue that hands out nothing fails the test. */
    private ConnectionKey take() throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, threads).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aKeyAskedForManyTimesBeforeItIsTakenIsHandedOutOnceInOrder() throws Exception {
        start(SETTINGS);
        queue.add(A);
        queue.add(B);
        queue.add(A);
        queue.add(A);

        assertEquals(A, take());
        assertEquals(B, take());
        queue.done(A);
        queue.done(B);
        queue.add(B);
        assertEquals(B, take(), "A was not handed out a second time");
    }

    @Test
    void aKeyAskedForWhileItRunsIsHandedOutOnceMoreOnlyWhenItIsDone() throws Exception {
        start(SETTINGS);
        queue.add(A);
        assertEquals(A, take());

        queue.add(A);
        queue.add(A);
        queue.add(B);
        assertEquals(B, take(), "A runs: it is not handed out beside itself");
        queue.done(B);

        queue.done(A);
        assertEquals(A, take(), "asked for during its run: once more after it");
        queue.done(A);
        queue.add(B);
        assertEquals(B, take(), "and only once more");
    }

    /** A reconcile thread that waits for work wakes when a key it could not have is done and due again. */
    @Test
    void aWaitingTakeGetsAKeyOnceItsRunIsDone() throws Exception {
        start(SETTINGS);
        queue.add(A);
        assertEquals(A, take());
        queue.add(A);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<ConnectionKey> next = CompletableFuture.supplyAsync(() -> {
            try {
                waiting.countDown();
                return queue.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, threads);
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        assertFalse(next.isDone(), "A runs: nothing to hand out");

        queue.done(A);
        assertEquals(A, next.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aPlanHandsTheKeyBackWhenItIsDue() throws Exception {
        start(SETTINGS);
        queue.add(A);
        assertEquals(A, take());
        queue.requeueAfter(A, Duration.ofSeconds(10));
        queue.done(A);
        assertEquals("requeue 10000 ms", schedule.next(A));
        assertEquals(1, queue.planned());

        schedule.advance(Duration.ofSeconds(10));
        assertEquals(A, take());
        assertEquals(0, queue.planned(), "a plan fires once");
    }

    @Test
    void failuresInARowBackOffAndASuccessOrForgettingStartsThemAgain() throws Exception {
        start(SETTINGS);
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(100), 1)), queue.retry(A, false));
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(200), 2)), queue.retry(A, false));
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(100), 1)), queue.retry(B, false), "counted per key");
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(400), 3)), queue.retry(A, false));

        queue.requeueAfter(A, Duration.ofSeconds(10));
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(100), 1)), queue.retry(A, false), "a success starts again");
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(200), 2)), queue.retry(A, false));

        queue.forget(A);
        assertEquals(List.of("requeue 100 ms", "requeue 200 ms", "requeue 400 ms", "requeue 10000 ms", "requeue 100 ms",
                "requeue 200 ms", "cancel"), plans(A, 7));
        assertEquals(1, queue.planned(), "only B's plan is left");
        assertEquals(Optional.of(new KeyQueue.Backoff(Duration.ofMillis(100), 1)), queue.retry(A, false), "forgotten: no failures kept");
    }

    /** The first retry of an outage waits the spread (here half of the 800 ms cap); the next ones the backoff. */
    @Test
    void theFirstRetryOfAnOutageIsSpread() throws Exception {
        start(SETTINGS.withReconnectSpread(Duration.ofSeconds(10)));
        random.script(0.5, 0.5);
        assertEquals(Duration.ofMillis(400), queue.retry(A, true).orElseThrow().after());
        assertEquals(Duration.ofMillis(200), queue.retry(A, true).orElseThrow().after(), "the second failure backs off");
        assertEquals(Duration.ofMillis(100), queue.retry(B, false).orElseThrow().after(), "not an outage: the first step");
    }

    /** A key asked for during its run runs again at once: that run plans, this one does not. */
    @Test
    void aKeyAskedForDuringItsRunGetsNoPlanFromIt() throws Exception {
        start(SETTINGS);
        queue.add(A);
        assertEquals(A, take());
        queue.add(A);

        queue.requeueAfter(A, Duration.ofSeconds(10));
        assertEquals(Optional.empty(), queue.retry(A, false));
        queue.forget(A);
        assertEquals(0, queue.planned());

        queue.done(A);
        assertEquals(A, take());
        queue.requeueAfter(A, Duration.ofSeconds(10));
        queue.done(A);
        assertEquals("requeue 10000 ms", schedule.next(A), "the first plan made is the second run's");
    }

    @Test
    void closingWakesEveryTakeAndHandsOutNothingMore() throws Exception {
        start(SETTINGS);
        List<CompletableFuture<ConnectionKey>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return queue.take();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        assertTrue(queue.isOpen());

        queue.close();

        for (CompletableFuture<ConnectionKey> take : waiting) {
            assertNull(take.get(10, TimeUnit.SECONDS));
        }
        assertFalse(queue.isOpen());
        assertTrue(schedule.closed());
        queue.add(A);
        assertNull(take());
        assertEquals(Optional.empty(), queue.retry(A, false), "nothing is planned once closed");
        assertEquals(0, queue.planned());
    }

    /**
     * The promise the reconciler rests on, under a real race: threads ask for a few keys over and
     * over while reconcile threads take them. No key is ever in two runs at once, and every request
     * is seen by a run that starts after it: each request raises the key's version before it asks,
     * each run reads the version once it has the key, so once all is quiet the last run of every
     * key has read its last version.
     */
    @Test
    void neverTwoRunsOfOneKeyAtOnceAndEveryRequestIsSeenByARunAfterIt() throws Exception {
        start(SETTINGS);
        List<ConnectionKey> keys = List.of(A, B, new ConnectionKey("nfs://server-c/export"));
        Map<ConnectionKey, AtomicInteger> inside = new ConcurrentHashMap<>();
        Map<ConnectionKey, AtomicInteger> mostAtOnce = new ConcurrentHashMap<>();
        Map<ConnectionKey, AtomicInteger> version = new ConcurrentHashMap<>();
        Map<ConnectionKey, Integer> lastSeen = new ConcurrentHashMap<>();
        AtomicInteger runs = new AtomicInteger();
        for (ConnectionKey key : keys) {
            inside.put(key, new AtomicInteger());
            mostAtOnce.put(key, new AtomicInteger());
            version.put(key, new AtomicInteger());
        }
        int workers = 4;
        for (int w = 0; w < workers; w++) {
            threads.execute(() -> {
                try {
                    for (ConnectionKey key = queue.take(); key != null; key = queue.take()) {
                        int now = inside.get(key).incrementAndGet();
                        mostAtOnce.get(key).accumulateAndGet(now, Math::max);
                        lastSeen.put(key, version.get(key).get());
                        runs.incrementAndGet();
                        // A run long enough for requests and other threads to come while it lasts.
                        LockSupport.parkNanos(20_000);
                        inside.get(key).decrementAndGet();
                        queue.done(key);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        int requesters = 6;
        int requestsEach = 3_000;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Void>> asking = new ArrayList<>();
        for (int r = 0; r < requesters; r++) {
            asking.add(CompletableFuture.runAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < requestsEach; i++) {
                    ConnectionKey key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
                    version.get(key).incrementAndGet();
                    queue.add(key);
                }
            }, threads));
        }
        go.countDown();
        CompletableFuture.allOf(asking.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        ReconcilerFixture.soon().until(() -> keys.stream().allMatch(k -> version.get(k).get() == lastSeen.getOrDefault(k, -1)));
        for (ConnectionKey key : keys) {
            assertEquals(1, mostAtOnce.get(key).get(), "never two runs of " + key + " at once");
        }
        assertTrue(runs.get() <= requesters * requestsEach, runs.get() + " runs");
    }

    /** The next {@code n} plans made for {@code key}. */
    private List<String> plans(ConnectionKey key, int n) {
        List<String> plans = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            plans.add(schedule.next(key));
        }
        return plans;
    }
}
