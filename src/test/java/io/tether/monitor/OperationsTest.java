package io.tether.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool that runs connector calls: one call at a time per connection, a call on a busy
 * connection refused at once saying what it waits for, every failure a {@link ConnectorException},
 * the caller's wait bounded by the timeout, and nothing started or heard once it is closed. Calls
 * block on latches the test opens, never on time.
 */
class OperationsTest {
    private static final ConnectionKey KEY = new ConnectionKey("nfs://server/export");
    private static final VdsmError ON_TIMEOUT = VdsmError.StorageServerConnectionError;
    /** Long enough that no call here times out, however busy the machine. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Operations operations = new Operations(2, TIMEOUT, System::nanoTime);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);
    /** The test's callers that wait on a blocked call, so the test thread does not. */
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        release.countDown();
        operations.close();
        callers.shutdownNow();
    }

    /** A call that blocks until the test releases it. */
    private Void blocked() throws ConnectorException {
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectorException(VdsmError.GeneralException, "interrupted");
        }
        return null;
    }

    /** Starts a blocked probe of KEY on another caller and returns once it runs. */
    private CompletableFuture<CallOutcome<Void>> blockedProbe(Operations on) throws InterruptedException {
        CompletableFuture<CallOutcome<Void>> probe = CompletableFuture.supplyAsync(
                () -> on.call(KEY, "probe", ON_TIMEOUT, this::blocked), callers);
        assertTrue(entered.await(30, TimeUnit.SECONDS), "the probe started");
        return probe;
    }

    @Test
    void aCallOnABusyConnectionFailsAtOnceSayingHowLongTheBusyOneHasRun() throws Exception {
        long before = System.nanoTime();
        CompletableFuture<CallOutcome<Void>> probe = blockedProbe(operations);

        CallOutcome<Void> busy = operations.call(KEY, "connect", ON_TIMEOUT, () -> null);
        long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - before);

        assertFalse(busy.worked());
        assertTrue(busy.failure().isHung(), "a busy connection counts as hung");
        assertEquals(ON_TIMEOUT, busy.failure().error());
        assertNull(busy.ranFor(), "it never started");
        Matcher m = Pattern.compile("connect not started: the probe started (\\d+) s ago has not returned \\(target hung\\?\\)")
                .matcher(busy.failure().getMessage());
        assertTrue(m.matches(), busy.failure().getMessage());
        long reported = Long.parseLong(m.group(1));
        assertTrue(reported >= 0 && reported <= elapsedSeconds, reported + " s reported, " + elapsedSeconds + " s elapsed");

        release.countDown();
        assertTrue(probe.get(30, TimeUnit.SECONDS).worked());
        assertTrue(operations.call(KEY, "connect", ON_TIMEOUT, () -> null).worked(), "the connection is free again");
    }

    @Test
    void anotherConnectionIsNotHeldUpByABusyOne() throws Exception {
        blockedProbe(operations);

        assertEquals("seen", operations.call(new ConnectionKey("nfs://other/export"), "probe", ON_TIMEOUT, () -> "seen").value());
    }

    @Test
    void aCallThatThrowsAnythingFailsWithAConnectorException() {
        ConnectorException own = operations.call(KEY, "probe", ON_TIMEOUT, () -> {
            throw new ConnectorException(VdsmError.MountError, "mount failed");
        }).failure();
        assertEquals(VdsmError.MountError, own.error());
        assertEquals("mount failed", own.getMessage());

        ConnectorException bug = operations.call(KEY, "probe", ON_TIMEOUT, () -> {
            throw new IllegalStateException("a bug");
        }).failure();
        assertEquals(VdsmError.GeneralException, bug.error());
        assertEquals("probe failed: IllegalStateException", bug.getMessage());
        assertFalse(bug.isHung());
    }

    /**
     * The caller waits the timeout, not for the hung call: the call counts as hung, and the
     * connection stays busy until the call returns.
     */
    @Test
    void aCallThatDoesNotReturnInTimeIsHungAndHoldsItsConnectionUntilItReturns() throws Exception {
        try (Operations quick = new Operations(2, Duration.ofMillis(50), System::nanoTime)) {
            CallOutcome<Void> hung = quick.call(KEY, "probe", ON_TIMEOUT, this::blocked);
            assertTrue(hung.failure().isHung());
            assertEquals(ON_TIMEOUT, hung.failure().error());
            assertEquals("probe did not return within 0.05 s (target hung or unreachable)", hung.failure().getMessage());
            assertTrue(hung.ranFor() != null && !hung.ranFor().isNegative(), String.valueOf(hung.ranFor()));

            assertTrue(quick.call(KEY, "connect", ON_TIMEOUT, () -> null).failure().getMessage().startsWith("connect not started"));

            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> quick.call(KEY, "connect", ON_TIMEOUT, () -> null).worked());
        }
    }

    @Test
    void theDurationOfACallIsReadFromTheTicker() {
        AtomicLong ticker = new AtomicLong();
        try (Operations timed = new Operations(1, TIMEOUT, ticker::get)) {
            CallOutcome<String> outcome = timed.call(KEY, "probe", ON_TIMEOUT, () -> {
                ticker.addAndGet(TimeUnit.MILLISECONDS.toNanos(7));
                return "seen";
            });
            assertEquals("seen", outcome.value());
            assertEquals(Duration.ofMillis(7), outcome.ranFor());
            assertEquals(7L, outcome.millis());

            CallOutcome<String> failed = timed.call(KEY, "probe", ON_TIMEOUT, () -> {
                ticker.addAndGet(TimeUnit.MILLISECONDS.toNanos(3));
                throw new ConnectorException(VdsmError.MountError, "gone");
            });
            assertEquals(Duration.ofMillis(3), failed.ranFor(), "a failed call is timed too");
        }
    }

    @Test
    void aClosedPoolStartsNothing() {
        operations.close();

        assertThrows(CancellationException.class, () -> operations.call(KEY, "probe", ON_TIMEOUT, () -> null));
        // The refused call holds nothing: the connection is not busy afterwards.
        assertThrows(CancellationException.class, () -> operations.call(KEY, "connect", ON_TIMEOUT, () -> null));
    }

    /** Close ends the caller's wait before it interrupts the call, so what the interrupted call says is never heard. */
    @Test
    void closingEndsTheWaitAndInterruptsTheCall() throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        CompletableFuture<CallOutcome<Void>> probe = CompletableFuture.supplyAsync(
                () -> operations.call(KEY, "probe", ON_TIMEOUT, () -> {
                    entered.countDown();
                    try {
                        new CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                    }
                    throw new ConnectorException(VdsmError.GeneralException, "interrupted");
                }), callers);
        assertTrue(entered.await(30, TimeUnit.SECONDS));

        operations.close();

        ExecutionException e = assertThrows(ExecutionException.class, () -> probe.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof CancellationException, String.valueOf(e.getCause()));
        await().atMost(Duration.ofSeconds(30)).untilTrue(interrupted);
    }

    /** A worker whose main thread ends must exit, whatever hangs on a storage call. */
    @Test
    void itsThreadsNeverKeepTheJvmAlive() {
        AtomicReference<Boolean> daemon = new AtomicReference<>();
        operations.call(KEY, "probe", ON_TIMEOUT, () -> {
            daemon.set(Thread.currentThread().isDaemon());
            return null;
        });
        assertEquals(true, daemon.get());
    }
}
