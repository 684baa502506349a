package io.tether.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
    /** Pages in a row that a list may bring without getting further before the host counts as not answering. */
    static final int MAX_STALLED_PAGES = 100;

    private final FleetState state;
    private final BrokerAccess broker;
    private final Duration timeout;
    private final Duration retry;
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
        this.retry = retry;
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
        while (running) {
            TetherClient connected;
            try {
                connected = broker.connect();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                state.onBrokerDown(broker.describe(e));
                if (!pause()) {
                    return;
                }
                continue;
            }
            CompletableFuture<JMSException> lost = new CompletableFuture<>();
            try {
                connected.onConnectionLost(lost::complete);
                // Subscribe before any list: no event can fall between a snapshot and the stream.
                connected.watchByHost(null, this::onEvent);
            } catch (JMSException e) {
                state.onBrokerDown(broker.describe(e));
                closeQuietly(connected);
                if (!pause()) {
                    return;
                }
                continue;
            }
            client = connected;
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
            if (!pause()) {
                return;
            }
        }
    }

    private boolean pause() {
        try {
            Thread.sleep(retry.toMillis());
            return running;
        } catch (InterruptedException e) {
            return false;
        }
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
            again = state.onList(hostId, pages(params -> used.call(hostId, "getStorageServerList", params, timeout)));
        } catch (TimeoutException e) {
            state.onNoAnswer(hostId, "no answer to a list within " + timeout.toMillis() + " ms");
        } catch (RpcException e) {
            state.onNoAnswer(hostId, "answered error " + e.code() + " " + e.name() + ": " + e.getMessage());
        } catch (JMSException e) {
            if (used == client) {
                state.onNoAnswer(hostId, broker.describe(e));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            state.onNoAnswer(hostId, "answered something unusable: " + e.getMessage());
        } finally {
            inFlight.remove(hostId);
        }
        if (again) {
            // Its events have a gap after this snapshot: take the next one now.
            list(hostId);
        }
    }

    /** One {@code getStorageServerList} call of a host, with {@code params}. */
    @FunctionalInterface
    interface ListCall {
        JsonNode call(Map<String, ?> params) throws JMSException, RpcException, TimeoutException, InterruptedException;
    }

    /**
     * Every page of a list, each asked for after the previous one's {@code next}, until one has none.
     *
     * @throws IllegalStateException if the pages stop getting further
     */
    static List<FleetState.Page> pages(ListCall list) throws JMSException, RpcException, TimeoutException, InterruptedException {
        List<FleetState.Page> pages = new ArrayList<>();
        String after = null;
        int stalled = 0;
        do {
            JsonNode result = list.call(after == null ? Map.of() : Map.of("after", after));
            pages.add(new FleetState.Page(after, result));
            // Absent from a worker that does not page: its one page is the whole list.
            String next = result.path("next").isTextual() ? result.get("next").asText() : null;
            // A busy worker may answer a page without entries, so the same cursor again, but not forever.
            stalled = next != null && after != null && next.compareTo(after) <= 0 ? stalled + 1 : 0;
            if (stalled > MAX_STALLED_PAGES) {
                throw new IllegalStateException("its list got no further than " + after + " in " + stalled + " pages");
            }
            after = next;
        } while (after != null);
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
