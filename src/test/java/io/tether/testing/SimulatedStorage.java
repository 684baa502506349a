package io.tether.testing;

import io.tether.connector.Connector;
import io.tether.connector.ConnectorException;
import io.tether.connector.Probe;
import io.tether.connector.VdsmError;
import io.tether.uri.StorageUri;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One storage server that many simulated hosts use, which a test makes slow, down or up for all of
 * them at once, and which counts the probes and connect attempts it sees, per second. A test
 * double: a fleet benchmark needs a server that hundreds of hosts mount at once and that goes down
 * and comes back on cue, which this machine cannot have (nor hundreds of hosts with mount rights).
 *
 * <p>It behaves as an NFS server behind hard mounts does: while it is down, every probe and connect
 * blocks (the thread waits, as one in {@code stat(2)} on a dead server) until it is back, and then
 * fails: the connections made before the outage are lost (stale), so each host must connect again.
 * Only calls that reach it while it is up are counted: a host's probe blocked on the dead server is
 * not a request the server sees.
 */
public final class SimulatedStorage {
    /** The server's condition, the same for every host. */
    public enum Mode { UP, SLOW, DOWN }

    private volatile Mode mode = Mode.UP;
    private volatile Duration slowBy = Duration.ZERO;
    /** Bumped at each outage: a connection made in an earlier generation is gone. */
    private final AtomicLong generation = new AtomicLong();
    private volatile CountDownLatch back = new CountDownLatch(0);
    private final Duration longestHang;
    private final SortedMap<Long, AtomicInteger> connectsBySecond = new ConcurrentSkipListMap<>();
    private final SortedMap<Long, AtomicInteger> probesBySecond = new ConcurrentSkipListMap<>();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong probes = new AtomicLong();
    private final AtomicInteger blocked = new AtomicInteger();

    /** @param longestHang how long a call blocks on the down server at most (a safety net for the test's end) */
    public SimulatedStorage(Duration longestHang) {
        this.longestHang = longestHang;
    }

    /** Every call takes {@code delay} from now on, and works. */
    public synchronized void slow(Duration delay) {
        slowBy = delay;
        up();
        mode = Mode.SLOW;
    }

    /** Down for every host: calls block until {@link #up()}, and the existing connections are lost. */
    public synchronized void down() {
        if (mode == Mode.DOWN) {
            return;
        }
        back = new CountDownLatch(1);
        generation.incrementAndGet();
        mode = Mode.DOWN;
    }

    /** Back, and quick: the blocked calls return (failing: their connections are gone), new ones work. */
    public synchronized void up() {
        mode = Mode.UP;
        slowBy = Duration.ZERO;
        back.countDown();
    }

    public Mode mode() {
        return mode;
    }

    /** The connector of one host: its own connections, to this one server. */
    public Connector host() {
        return new HostSide();
    }

    /** Connect attempts the server saw, by epoch second (System.currentTimeMillis() / 1000). */
    public SortedMap<Long, Integer> connectsBySecond() {
        return snapshot(connectsBySecond);
    }

    /** Probes the server saw, by epoch second. */
    public SortedMap<Long, Integer> probesBySecond() {
        return snapshot(probesBySecond);
    }

    public long connects() {
        return connects.get();
    }

    public long probes() {
        return probes.get();
    }

    /** Calls blocked on the down server now. */
    public int blocked() {
        return blocked.get();
    }

    private static SortedMap<Long, Integer> snapshot(SortedMap<Long, AtomicInteger> counts) {
        SortedMap<Long, Integer> copy = new TreeMap<>();
        counts.forEach((second, n) -> copy.put(second, n.get()));
        return copy;
    }

    /** Waits out an outage, then fails; or, on an up server, waits out the slowness and counts the call. */
    private void reach(String what, StorageUri uri, SortedMap<Long, AtomicInteger> bySecond, AtomicLong total)
            throws ConnectorException {
        if (mode == Mode.DOWN) {
            CountDownLatch wait = back;
            blocked.incrementAndGet();
            try {
                wait.await(longestHang.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                blocked.decrementAndGet();
            }
            throw new ConnectorException(VdsmError.StorageServerConnectionError, what + " " + uri.key()
                    + ": server not responding");
        }
        bySecond.computeIfAbsent(System.currentTimeMillis() / 1000, s -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
        Duration delay = slowBy;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectorException(VdsmError.GeneralException, "interrupted");
            }
        }
    }

    private final class HostSide implements Connector {
        /** The generation each connection of this host was made in. */
        private final Map<String, Long> made = new ConcurrentHashMap<>();

        @Override
        public Probe probe(StorageUri uri) throws ConnectorException {
            reach("probe", uri, probesBySecond, probes);
            Long when = made.get(uri.key().value());
            if (when == null || when != generation.get()) {
                throw new ConnectorException(VdsmError.StorageDomainFSNotMounted, uri.key() + " is not connected");
            }
            return Probe.PLAIN;
        }

        @Override
        public Probe establish(StorageUri uri) throws ConnectorException {
            reach("establish", uri, connectsBySecond, connects);
            made.put(uri.key().value(), generation.get());
            return Probe.PLAIN;
        }

        @Override
        public void disconnect(StorageUri uri) {
            made.remove(uri.key().value());
        }
    }
}
