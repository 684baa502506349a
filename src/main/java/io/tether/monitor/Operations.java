package io.tether.monitor;

import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import io.tether.logging.LogFields;
import io.tether.uri.ConnectionKey;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs connector calls on a bounded pool, with a timeout, at most one in flight per connection.
 * The caller waits for a call at most the timeout; a call that does not return in time counts as
 * hung, while its thread may stay stuck (a hung mount). Until it returns no other call on that
 * connection starts, so a hung target holds one pool thread and never a second. How long a call
 * ran is read from a ticker (nanoseconds, as {@link System#nanoTime}), which a test moves itself
 * so that a probe takes as long as it says. Each call's {@link CallOutcome} is decided here, once.
 */
final class Operations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);

    /** A connector call that returns what it saw. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws ConnectorException;
    }

    private record Running(String what, long startedNanos) {
    }

    private final ExecutorService pool;
    private final Duration timeout;
    private final LongSupplier ticker;
    private final Map<ConnectionKey, Running> running = new ConcurrentHashMap<>();
    // The callers' waits, so that close can end them before it interrupts the calls.
    private final Map<CompletableFuture<?>, Boolean> waiting = new ConcurrentHashMap<>();

    /**
     * @param ticker nanoseconds from an arbitrary origin: {@code System::nanoTime} on a worker
     */
    Operations(int threads, Duration timeout, LongSupplier ticker) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tether-op-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timeout = timeout;
        this.ticker = ticker;
    }

    /**
     * Runs {@code call} ("probe", "connect" or "disconnect") for {@code key} and waits for it at most
     * the timeout. Its failure is the call's own {@link ConnectorException}, {@code onTimeout}
     * (hung) after the timeout, or hung at once when an earlier call on {@code key} has not returned.
     *
     * @throws CancellationException once closed: the worker stops, and the call's outcome is no
     *                               observation of the connection
     */
    <T> CallOutcome<T> call(ConnectionKey key, String what, VdsmError onTimeout, Call<T> call) {
        Running previous = running.get(key);
        if (previous != null) {
            long seconds = (ticker.getAsLong() - previous.startedNanos()) / 1_000_000_000L;
            return failed(ConnectorException.hung(onTimeout, what + " not started: the "
                    + previous.what() + " started " + seconds + " s ago has not returned (target hung?)"), null);
        }
        Running mine = new Running(what, ticker.getAsLong());
        running.put(key, mine);
        CompletableFuture<T> result = new CompletableFuture<>();
        // Listed before it starts: close either refuses it here or finds it among the waits.
        waiting.put(result, Boolean.TRUE);
        try {
            pool.execute(() -> run(key, what, call, mine, result));
        } catch (RejectedExecutionException e) {
            waiting.remove(result);
            running.remove(key, mine);
            throw new CancellationException("worker is stopping");
        }
        try {
            T value = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Duration ranFor = ranSince(mine);
            return new CallOutcome<>(true, value, null, ranFor, ranFor.toMillis());
        } catch (ExecutionException e) {
            return failed(asConnectorException(e.getCause(), what), ranSince(mine));
        } catch (TimeoutException e) {
            return failed(ConnectorException.hung(onTimeout, what + " did not return within "
                    + timeout.toMillis() / 1000.0 + " s (target hung or unreachable)"), ranSince(mine));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the " + what);
        } finally {
            waiting.remove(result);
        }
    }

    private <T> void run(ConnectionKey key, String what, Call<T> call, Running mine, CompletableFuture<T> result) {
        T value = null;
        Throwable failure = null;
        try (LogFields ids = LogFields.key(key)) {
            value = call.run();
        } catch (ConnectorException e) {
            failure = e;
        } catch (RuntimeException e) {
            log.error("key={} {} failed unexpectedly", key, what, e);
            failure = e;
        }
        // Free the connection before anyone hears the outcome, so the next call can start at once.
        running.remove(key, mine);
        boolean inTime = failure == null ? result.complete(value) : result.completeExceptionally(failure);
        if (!inTime && !result.isCancelled()) {
            log.info("key={} {} returned after its timeout; the connection can be worked on again", key, what);
        }
    }

    /** @param ranFor how long it ran; null when it never started */
    private static <T> CallOutcome<T> failed(ConnectorException failure, Duration ranFor) {
        return new CallOutcome<>(false, null, failure, ranFor, ranFor == null ? null : ranFor.toMillis());
    }

    private Duration ranSince(Running call) {
        return Duration.ofNanos(ticker.getAsLong() - call.startedNanos());
    }

    private static ConnectorException asConnectorException(Throwable cause, String what) {
        return cause instanceof ConnectorException ce ? ce
                : new ConnectorException(VdsmError.GeneralException, what + " failed: " + cause.getClass().getSimpleName());
    }

    /**
     * Ends every wait for a call with a {@link CancellationException}, then interrupts the calls,
     * so that what an interrupted call reports never reaches a caller.
     */
    @Override
    public void close() {
        pool.shutdown();
        waiting.keySet().forEach(wait -> wait.cancel(false));
        pool.shutdownNow();
    }
}
