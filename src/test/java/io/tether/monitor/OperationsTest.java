package io.tether.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.ConnectionKey;
import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool that runs connector calls: one call at a time per connection, a call on a busy
 * connection refused at once saying what it waits for, every failure a {@link ConnectorException},
 * and nothing started once it is closed. Calls block on latches the test opens, never on time.
 */
class OperationsTest {
    private static final ConnectionKey KEY = new ConnectionKey("nfs://server/export");
    /** Long enough that no call here times out, however busy the machine. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Operations operations = new Operations(2, TIMEOUT, System::nanoTime);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        operations.close();
    }

    private void blocked() throws ConnectorException {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectorException(VdsmError.GeneralException, "interrupted");
        }
    }

    /** The ConnectorException {@code future} failed with; a deadline of seconds, not a timing check. */
    private static ConnectorException failure(CompletableFuture<Void> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        return Operations.cause(e.getCause());
    }

    @Test
    void aCallOnABusyConnectionFailsAtOnceSayingHowLongTheBusyOneHasRun() throws Exception {
        long before = System.nanoTime();
        CompletableFuture<Void> probe = operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, this::blocked);

        ConnectorException busy = failure(operations.start(KEY, "connect", VdsmError.StorageServerConnectionError, () -> { }));
        long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - before);

        assertTrue(busy.isHung(), "a busy connection counts as hung");
        assertEquals(VdsmError.StorageServerConnectionError, busy.error());
        Matcher m = Pattern.compile("connect not started: the probe started (\\d+) s ago has not returned \\(target hung\\?\\)")
                .matcher(busy.getMessage());
        assertTrue(m.matches(), busy.getMessage());
        long reported = Long.parseLong(m.group(1));
        assertTrue(reported >= 0 && reported <= elapsedSeconds, reported + " s reported, " + elapsedSeconds + " s elapsed");

        release.countDown();
        probe.get(30, TimeUnit.SECONDS);
        operations.start(KEY, "connect", VdsmError.StorageServerConnectionError, () -> { }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void anotherConnectionIsNotHeldUpByABusyOne() throws Exception {
        operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, this::blocked);

        operations.start(new ConnectionKey("nfs://other/export"), "probe", VdsmError.StorageServerConnectionError, () -> { })
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void aCallThatThrowsAnythingFailsWithAConnectorException() {
        ConnectorException own = failure(operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, () -> {
            throw new ConnectorException(VdsmError.MountError, "mount failed");
        }));
        assertEquals(VdsmError.MountError, own.error());
        assertEquals("mount failed", own.getMessage());

        ConnectorException bug = failure(operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, () -> {
            throw new IllegalStateException("a bug");
        }));
        assertEquals(VdsmError.GeneralException, bug.error());
        assertEquals("probe failed: IllegalStateException", bug.getMessage());
        assertFalse(bug.isHung());
    }

    /** Even the callback that hears the call's duration failing leaves the caller a ConnectorException. */
    @Test
    void aFailingDurationCallbackFailsTheCallAsAGeneralError() {
        ConnectorException e = failure(operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, () -> { },
                nanos -> {
                    throw new IllegalStateException("meter broken");
                }));
        assertEquals(VdsmError.GeneralException, e.error());
        assertEquals("probe failed: IllegalStateException", e.getMessage());
    }

    @Test
    void theDurationOfACallIsTold() throws Exception {
        AtomicReference<Long> ranFor = new AtomicReference<>();
        operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, () -> { }, ranFor::set).get(30, TimeUnit.SECONDS);
        assertTrue(ranFor.get() != null && ranFor.get() >= 0, String.valueOf(ranFor.get()));
    }

    @Test
    void aClosedPoolStartsNothing() {
        operations.close();

        ConnectorException e = failure(operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, () -> { }));
        assertEquals(VdsmError.GeneralException, e.error());
        assertEquals("worker is stopping", e.getMessage());
        assertFalse(e.isHung());
        // The refused call holds nothing: the connection is not busy afterwards.
        assertEquals("worker is stopping",
                failure(operations.start(KEY, "connect", VdsmError.StorageServerConnectionError, () -> { })).getMessage());
    }

    /** A worker whose main thread ends must exit, whatever hangs on a storage call. */
    @Test
    void itsThreadsNeverKeepTheJvmAlive() throws Exception {
        AtomicReference<Boolean> daemon = new AtomicReference<>();
        operations.start(KEY, "probe", VdsmError.StorageServerConnectionError, () -> daemon.set(Thread.currentThread().isDaemon()))
                .get(30, TimeUnit.SECONDS);
        assertEquals(true, daemon.get());
    }
}
