package io.tether.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.Jms;
import io.tether.client.ListPages;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import io.tether.retry.RetryPolicy;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds {@link FleetState} from the broker: subscribes to every host's status events
 * ({@code tether.host.*.status}, each taken as the event of the host whose address it came through:
 * {@link TetherClient#watchByHost}) first, then lists each host it knows ({@code --host}) or learns
 * from an event, lists a host again on a gap in its events, and every host every refresh interval
 * (which is how a worker that stopped answering shows). A list is every page of
 * {@code getStorageServerList}, each asked for after the previous one's {@code next}, handed to
 * {@link FleetState#onList(String, List)} together. When the broker is lost, it connects again
 * every retry interval and lists every host anew, since the events published meanwhile are gone.
 */
public final class FleetFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetFeed.class);
    /** List calls in flight at once: each waits for its host, up to the timeout, on a thread of its own. */
    static final int LIST_THREADS = 32;

    private final FleetState state;
    private final BrokerAccess broker;
    private final Duration timeout;
    private final RetryPolicy retry;
    private final ExecutorService lists = Executors.newFixedThreadPool(LIST_THREADS, daemon("tether-console-list"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("tether-console-timer"));
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Thread loop;
    private volatile TetherClient client;
    private volatile boolean running = true;

    /**
     * Starts feeding {@code state}: {@code timeout} for each list call, {@code refresh} between two
     * lists of every host, {@code retry} between two attempts to reach the broker or a host that did
     * not answer.
     */
    public FleetFeed(FleetState state, BrokerAccess broker, Duration timeout, Duration refresh, Duration retry) {
        this.state = state;
        this.broker = broker;
        this.timeout = timeout;
        // The same pause every time: --retry says how long, and the page shows the broker down meanwhile.
        this.retry = new RetryPolicy(retry, retry, 1.0, 0.0);
        this.loop = new Thread(this::run, "tether-console-broker");
        loop.setDaemon(true);
        loop.start();
        timer.scheduleWithFixedDelay(() -> state.hostsToRetry().forEach(this::list), retry.toMillis(), retry.toMillis(),
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> state.hosts().forEach(this::list), refresh.toMillis(), refresh.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Adds a host to follow (from {@code --host}) and lists it. */
    public void learn(String hostId) {
        if (state.learn(hostId)) {
            list(hostId);
        }
    }

    private void run() {
        int failures = 0;
        while (running) {
            if (failures > 0 && !pause(failures)) {
                return;
            }
            failures++;
            TetherClient connected;
            try {
                connected = broker.connect();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                state.onBrokerDown(broker.describe(e));
                continue;
            }
            // Told when the client's broker link is LOST: the events published from then on are gone.
            CompletableFuture<JMSException> lost = new CompletableFuture<>();
            connected.onConnectionLost(lost::complete);
            try {
                // Subscribe before any list: no event can fall between a snapshot and the stream.
                connected.watchByHost(null, this::onEvent);
            } catch (JMSException e) {
                state.onBrokerDown(broker.describe(e));
                closeQuietly(connected);
                continue;
            }
            client = connected;
            failures = 1; // reached: the next attempt waits one pause, as after any loss
            LOG.info("console: subscribed to every host's status events");
            state.onBrokerUp().forEach(this::list);
            try {
                JMSException why = lost.get();
                LOG.warn("console: lost the broker: {}", broker.describe(why));
                state.onBrokerDown(broker.describe(why));
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                state.onBrokerDown(String.valueOf(e.getMessage()));
            } finally {
                client = null;
                closeQuietly(connected);
            }
        }
    }

    /** Waits before the {@code failures}-th attempt in a row to reach the broker; false when closing. */
    private boolean pause(int failures) {
        return Jms.pauseBeforeRetry(retry, failures) && running;
    }

    /** An event of {@code hostId}: the host whose address it came through, as the broker checks it. */
    private void onEvent(String hostId, JsonNode event) {
        if (state.onEvent(hostId, event)) {
            list(hostId);
        }
    }

    /** Lists {@code hostId} unless a list of it is already on its way. */
    private void list(String hostId) {
        if (!running || client == null || !inFlight.add(hostId)) {
            return;
        }
        try {
            lists.execute(() -> listNow(hostId));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            inFlight.remove(hostId); // closing
        }
    }

    private void listNow(String hostId) {
        boolean again = false;
        TetherClient used = client;
        try {
            if (used == null) {
                return; // the broker is away: listed again when it is back
            }
            again = state.onList(hostId, pages(after -> page(used, hostId, after)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TimeoutException) {
                state.onNoAnswer(hostId, "no answer to a list within " + timeout.toMillis() + " ms");
            } else if (cause instanceof RpcException rpc) {
                state.onNoAnswer(hostId, "answered error " + rpc.code() + " " + rpc.name() + ": " + rpc.getMessage());
            } else if (cause instanceof JMSException jms) {
                if (used == client) {
                    state.onNoAnswer(hostId, broker.describe(jms));
                }
            } else if (!(cause instanceof InterruptedException)) {
                state.onNoAnswer(hostId, "answered something unusable: " + cause.getMessage());
            }
        } finally {
            inFlight.remove(hostId);
        }
        if (again) {
            // Its events have a gap after this snapshot: take the next one now.
            list(hostId);
        }
    }

    /** One page of {@code hostId}'s list, asked for on this thread with the feed's timeout. */
    private CompletableFuture<JsonNode> page(TetherClient used, String hostId, String after) {
        try {
            return CompletableFuture.completedFuture(
                    used.call(hostId, "getStorageServerList", after == null ? Map.of() : Map.of("after", after), timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Every page of a list ({@link ListPages#follow}), each with the {@code after} it was asked
     * with, for {@link FleetState#onList(String, List)} to take together.
     *
     * @throws ExecutionException with why a page did not come, or {@link IllegalStateException} if
     *         the pages stop getting further
     */
    static List<FleetState.Page> pages(Function<String, CompletableFuture<JsonNode>> fetch)
            throws ExecutionException, InterruptedException {
        List<FleetState.Page> pages = new ArrayList<>();
        ListPages.follow(fetch, (after, result) -> pages.add(new FleetState.Page(after, result))).get();
        return pages;
    }

    private static void closeQuietly(TetherClient c) {
        try {
            c.close();
        } catch (Exception e) {
            // Lost already: nothing more to close.
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        running = false;
        timer.shutdownNow();
        lists.shutdownNow();
        loop.interrupt();
        TetherClient c = client;
        if (c != null) {
            closeQuietly(c);
        }
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
