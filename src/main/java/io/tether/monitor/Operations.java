package io.tether.monitor;

import io.tether.connection.ConnectionKey;
import io.tether.connector.ConnectorException;
import io.tether.connector.VdsmError;
import io.tether.logging.LogFields;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs connector calls on a bounded pool, with a timeout, at most one in flight per connection. A
 * call that does not return in time fails its future; its thread may stay stuck (a hung mount),
 * and until it returns no other call on that connection starts, so a hung target holds one thread
 * and never a second. How long a call ran is read from a ticker (nanoseconds, as
 * {@link System#nanoTime}), which a test moves itself so that a probe takes as long as it says.
 */
final class Operations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);

    /** A connector call. */
    @FunctionalInterface
    interface Call {
        void run() throws ConnectorException;
    }

    private record Running(String what, long startedNanos) {
    }

    private final ExecutorService pool;
    private final Duration timeout;
    private final LongSupplier ticker;
    private final Map<ConnectionKey, Running> running = new ConcurrentHashMap<>();

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
     * Starts {@code call} ("probe", "connect" or "disconnect") for {@code key}. The future fails
     * with a {@link ConnectorException}: the call's own, or {@code onTimeout} after the timeout.
     */
    CompletableFuture<Void> start(ConnectionKey key, String what, VdsmError onTimeout, Call call) {
        return start(key, what, onTimeout, call, nanos -> { });
    }

    /**
     * Like {@link #start(ConnectionKey, String, VdsmError, Call)}, and tells {@code ranFor} how long
     * the call ran when it returns or times out; not when it could not start (an earlier call on the
     * connection is still stuck).
     */
    CompletableFuture<Void> start(ConnectionKey key, String what, VdsmError onTimeout, Call call, LongConsumer ranFor) {
        Running previous = running.get(key);
        if (previous != null) {
            long seconds = (ticker.getAsLong() - previous.startedNanos()) / 1_000_000_000L;
            return CompletableFuture.failedFuture(ConnectorException.hung(onTimeout, what + " not started: the "
                    + previous.what() + " started " + seconds + " s ago has not returned (target hung?)"));
        }
        Running mine = new Running(what, ticker.getAsLong());
        running.put(key, mine);
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                ConnectorException failure = null;
                try (LogFields ids = LogFields.key(key)) {
                    call.run();
                } catch (ConnectorException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    log.error("key={} {} failed unexpectedly", key, what, e);
                    failure = new ConnectorException(VdsmError.GeneralException, what + " failed: " + e.getClass().getSimpleName());
                }
                // Free the connection before anyone hears the outcome, so the next call can start at once.
                running.remove(key, mine);
                boolean inTime = failure == null ? result.complete(null) : result.completeExceptionally(failure);
                if (!inTime) {
                    log.info("key={} {} returned after its timeout; the connection can be worked on again", key, what);
                }
            });
        } catch (RejectedExecutionException e) {
            running.remove(key, mine);
            return CompletableFuture.failedFuture(new ConnectorException(VdsmError.GeneralException, "worker is stopping"));
        }
        return result.orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((ok, failure) -> ranFor.accept(ticker.getAsLong() - mine.startedNanos()))
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(toConnectorException(e, what, onTimeout)));
    }

    private ConnectorException toConnectorException(Throwable e, String what, VdsmError onTimeout) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ConnectorException ce) {
            return ce;
        }
        if (cause instanceof TimeoutException) {
            return ConnectorException.hung(onTimeout, what + " did not return within " + timeout.toMillis() / 1000.0
                    + " s (target hung or unreachable)");
        }
        return new ConnectorException(VdsmError.GeneralException, what + " failed: " + cause.getClass().getSimpleName());
    }

    /** The error a future of {@link #start} failed with. */
    static ConnectorException cause(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof ConnectorException ce ? ce
                : new ConnectorException(VdsmError.GeneralException, "failed: " + cause.getClass().getSimpleName());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
