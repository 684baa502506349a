package io.tether.monitor;

import static io.tether.connection.Observation.Kind.CONNECTED;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.connector.ConnectorException;
import io.tether.connector.Connectors;
import io.tether.connector.FileRoots;
import io.tether.connector.MountPolicy;
import io.tether.connector.VdsmError;
import io.tether.metrics.Meters;
import io.tether.testing.LogLines;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * More of the reconciler's rules, with the manual clock, schedule, table and scripted connector of
 * {@link ReconcilerTest}: at most one reconcile per key, even as the key is dropped; nothing kept
 * for a key once it is forgotten; the error number and the backoff each failure gets; what it
 * records into its meters; and how it stops. The test waits for outcomes, never for time.
 */
class ReconcilerRulesTest extends ReconcilerFixture {
    /**
     * The worker's reconciler, built as the worker builds it (Quartz plans its reconciles), records
     * each probe and connect with its outcome into the meters it is given.
     */
    @Test
    void eachProbeAndConnectIsMeteredWithItsOutcome(@TempDir Path mountRoot) throws Exception {
        List<String> metered = new CopyOnWriteArrayList<>();
        Meters.Monitor meters = new Meters.Monitor() {
            @Override
            public void probed(StorageType type, long nanos) {
                metered.add("probed " + type + (nanos >= 0 ? "" : " in negative time"));
            }

            @Override
            public void probeFailed(StorageType type, int code) {
                metered.add("probe failed " + type + " " + code);
            }

            @Override
            public void connectTried(StorageType type, boolean ok) {
                metered.add("connect " + type + (ok ? " worked" : " failed"));
            }
        };
        Connectors connectors = Connectors.forHost(mountRoot, Duration.ofSeconds(10), MountPolicy.defaults(), FileRoots.NONE)
                .with(StorageType.NFS, connector);
        // No probe falls due during the test: each reconcile here is one the test asks for.
        reconciler = new Reconciler(table, connectors, clock, SETTINGS.withProbeInterval(Duration.ofHours(1)), meters);
        table.manage("a-1", A);

        reconciler.enqueue(A.key());
        soon().until(() -> table.kinds(A).equals(List.of(CONNECTED)));
        // A new connection is not mounted yet: that probe is no failure, nothing is recorded for it.
        assertEquals(List.of("probed NFS", "connect NFS worked"), metered);

        metered.clear();
        connector.script("probe", A, fails(VdsmError.StorageDomainFSNotMounted, "not mounted"));
        connector.script("establish", A, fails(VdsmError.MountError, "refused"));
        reconciler.enqueue(A.key());
        soon().until(() -> table.kinds(A).size() == 3);
        // Quartz retries soon after; what this reconcile recorded comes first. The failure is
        // counted with the number its lastError shows: the connect's, not the probe's 360.
        assertEquals(VdsmError.MountError.code(), table.lastError(A).code());
        assertEquals(List.of("probed NFS", "connect NFS failed", "probe failed NFS 477"), metered.subList(0, 3));
    }

    /** A connection its first probe finds up (mounted before it was managed) counts as a connect that worked. */
    @Test
    void aConnectionFoundUpByItsProbeIsMeteredAsConnected(@TempDir Path mountRoot) throws Exception {
        List<String> metered = new CopyOnWriteArrayList<>();
        Meters.Monitor meters = new Meters.Monitor() {
            @Override
            public void probeFailed(StorageType type, int code) {
                metered.add("probe failed " + type + " " + code);
            }

            @Override
            public void connectTried(StorageType type, boolean ok) {
                metered.add("connect " + type + (ok ? " worked" : " failed"));
            }
        };
        Connectors connectors = Connectors.forHost(mountRoot, Duration.ofSeconds(10), MountPolicy.defaults(), FileRoots.NONE)
                .with(StorageType.NFS, connector);
        reconciler = new Reconciler(table, connectors, clock, SETTINGS.withProbeInterval(Duration.ofHours(1)), meters);
        connector.up.add(A.key());
        table.manage("a-1", A);

        reconciler.enqueue(A.key());
        soon().until(() -> table.kinds(A).equals(List.of(CONNECTED)));
        assertEquals(List.of("probe"), connector.calls(A));
        assertEquals(List.of("connect NFS worked"), metered);
    }

    /** One line per plan that is not the usual probe: each retry with its delay and count, and a key given up on. */
    @Test
    void retriesAndAKeyGivenUpOnAreLogged() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        connector.script("establish", A, fails(VdsmError.MountError, "refused"), fails(VdsmError.MountError, "refused"));
        StorageUri lun = uri("iscsi://target/iqn.2001-04.com.example:disk");
        served.remove(StorageType.ISCSI);
        table.manage("lun-1", lun);
        // Another test in this JVM may have turned logging off (the CLI's library logging does).
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Reconciler.class);
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try (LogLines log = new LogLines(Reconciler.class)) {
            assertEquals("requeue 100 ms", reconcile(A));
            schedule.advanceToNextPlan();
            assertEquals("requeue 200 ms", schedule.next(A.key()));
            // Written just after the plan is made: waited for, not assumed.
            soon().until(() -> retries(log).size() == 2);
            assertEquals(List.of("key=" + A.key() + " retrying in 100 ms (failure 1 in a row)",
                    "key=" + A.key() + " retrying in 200 ms (failure 2 in a row)"), retries(log));

            assertEquals("cancel", reconcile(lun));
            assertEquals(List.of("key=" + lun.key() + " not retried until it is managed or unmanaged again: no connector serves"
                    + " iscsi on this host"), retries(log).subList(2, retries(log).size()));
        } finally {
            logger.setLevel(level);
        }
    }

    private static List<String> retries(LogLines log) {
        return log.lines().stream().filter(line -> line.contains(" retr")).toList();
    }

    /** The engine tells a failed connect (451) from a failed disconnect (452) by the number. */
    @Test
    void aWantedConnectionOfATypeNoConnectorServesFailsAsAConnectionError() throws Exception {
        start(SETTINGS);
        StorageUri lun = uri("iscsi://target/iqn.2001-04.com.example:disk");
        served.remove(StorageType.ISCSI);
        table.manage("lun-1", lun);

        assertEquals("cancel", reconcile(lun));

        LastError error = table.lastError(lun);
        assertEquals(VdsmError.StorageServerConnectionError.code(), error.code());
        assertEquals("StorageServerConnectionError", error.name());
        assertEquals(clock.instant(), error.at());
    }

    @Test
    void aConnectThatTheHostIsRecoveringIsLookedAtAgainAfterTheProbeInterval() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        connector.script("establish", A, unscripted -> {
            throw ConnectorException.recovering(VdsmError.iSCSILoginError, "session in recovery");
        });

        assertEquals(HEALTHY, reconcile(A), "no backoff: the host brings it back by itself");
        assertEquals(List.of("probe", "establish"), connector.calls(A));
        assertEquals(ConnectionState.DISCONNECTED, table.state(A));
        assertEquals(List.of(Health.Reason.RECOVERING), table.health(A).reasons());
        assertEquals("session in recovery", table.lastError(A).message());
    }

    /**
     * The reconnect spread is for outages of a connection that was up; a disconnect that fails
     * backs off by the retry policy, even right after the connection was up.
     */
    @Test
    void aFailedDisconnectBacksOffByTheRetryPolicyNotTheOutageSpread() throws Exception {
        start(SETTINGS.withReconnectSpread(Duration.ofSeconds(10)));
        table.manage("a-1", A);
        assertEquals(HEALTHY, reconcile(A));
        schedule.advance(PROBE);
        assertEquals(HEALTHY, schedule.next(A.key()), "probed while up");
        connector.script("disconnect", A, fails(VdsmError.StorageServerDisconnectionError, "target is busy"));

        table.unmanage("a-1");

        // The spread would be 0.5 (the scripted random's default) of 800 ms.
        assertEquals("requeue 100 ms", reconcile(A));
    }

    /** A key that was forgotten and comes back starts its backoff again from the first step. */
    @Test
    void aForgottenKeyKeepsNoFailuresFromBefore() throws Exception {
        start(SETTINGS);
        table.manage("a-1", A);
        connector.script("establish", A, fails(VdsmError.MountError, "refused"), fails(VdsmError.MountError, "refused"));
        assertEquals("requeue 100 ms", reconcile(A));
        schedule.advanceToNextPlan();
        assertEquals("requeue 200 ms", schedule.next(A.key()));

        table.unmanage("a-1");
        assertEquals("cancel", reconcile(A));
        assertFalse(table.tracks(A));

        table.manage("a-2", A);
        connector.script("establish", A, fails(VdsmError.MountError, "refused"));
        assertEquals("requeue 100 ms", reconcile(A), "failure 1 of a new run, not failure 3");
    }

    /**
     * At most one reconcile runs per key, even when a request comes just as the reconcile before
     * it drops the key: the request runs once that reconcile is done, and requests that come
     * while it runs make it run once more, never beside it.
     */
    @Test
    void aRequestWhileAKeyIsDroppedRunsAloneAndOnce() throws Exception {
        start(SETTINGS);
        CountDownLatch probing = connector.hang("probe", A);
        // A manage comes for A as the reconcile of A (not tracked yet) is about to drop the key.
        schedule.atNextCancel(() -> {
            table.manage("a-1", A);
            reconciler.enqueue(A.key());
        });
        assertEquals("cancel", reconcile(A));
        soon().until(() -> connector.calls(A).size() == 1);

        reconciler.enqueue(A.key());
        reconciler.enqueue(A.key());
        probing.countDown();

        assertEquals(HEALTHY, schedule.next(A.key()));
        assertEquals(List.of("probe", "establish", "probe"), connector.calls(A), "the hung probe's run, then one more");
        assertEquals(List.of(CONNECTED, CONNECTED), table.kinds(A), "no reconcile ran beside the hung probe");
    }

    @Test
    void closingStopsTheScheduleAndLetsGoOfAHungCall() throws Exception {
        start(SETTINGS);
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch never = new CountDownLatch(1);
        connector.script("probe", A, unscripted -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw new ConnectorException(VdsmError.GeneralException, "interrupted");
            }
        });
        table.manage("a-1", A);
        reconciler.enqueue(A.key());
        soon().until(() -> connector.calls(A).size() == 1);
        assertTrue(reconciler.isRunning());

        reconciler.close();

        assertFalse(reconciler.isRunning());
        assertTrue(schedule.closed(), "no plan fires after close");
        soon().untilTrue(interrupted);
    }

    /** Close may be called from an interrupted thread (a stopping worker): it returns and keeps the interrupt. */
    @Test
    void closeKeepsTheCallersInterrupt() throws Exception {
        start(SETTINGS);
        CountDownLatch deciding = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        // Holds the reconciler's decision thread, so close has a decision to wait for.
        schedule.atNextCancel(() -> {
            deciding.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        reconciler.enqueue(A.key());
        deciding.await();

        Thread.currentThread().interrupt();
        try {
            reconciler.close();
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        } finally {
            Thread.interrupted();
            finish.countDown();
        }
    }

    /** A worker whose main thread ends must exit, whatever hangs on a storage call. */
    @Test
    void theReconcilersThreadsNeverKeepTheJvmAlive() throws Exception {
        start(SETTINGS);
        AtomicReference<Boolean> operationThread = new AtomicReference<>();
        AtomicReference<Boolean> decisionThread = new AtomicReference<>();
        connector.script("probe", A, unscripted -> {
            operationThread.set(Thread.currentThread().isDaemon());
            unscripted.run();
        });
        schedule.atNextCancel(() -> decisionThread.set(Thread.currentThread().isDaemon()));
        table.manage("a-1", A);

        assertEquals(HEALTHY, reconcile(A));
        assertEquals("cancel", reconcile(B));

        assertEquals(true, operationThread.get());
        assertEquals(true, decisionThread.get());
    }

}
