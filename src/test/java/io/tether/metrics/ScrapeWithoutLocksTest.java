package io.tether.metrics;

import static io.tether.testing.Http.get;
import static io.tether.testing.Http.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.Action;
import io.tether.connector.ActiveConnections;
import io.tether.health.HealthChecks;
import io.tether.http.HttpAddress;
import io.tether.http.HttpEndpoint;
import io.tether.store.Store;
import io.tether.testing.Http;
import io.tether.uri.UriParser;
import io.tether.worker.Batch;
import io.tether.worker.StorageService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scrape and a readiness check answer while another thread holds both the worker's lock (a batch)
 * and the store's (the batch's commit, held up as it is timed), and show the state as the meters
 * were last told it.
 */
class ScrapeWithoutLocksTest {
    @TempDir
    Path tmp;

    @Test
    void answersWhileTheWorkersAndTheStoresLocksAreHeld() throws Exception {
        TetherMetrics metrics = new TetherMetrics("locks", () -> HealthChecks.ALWAYS);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean holdNextCommit = new AtomicBoolean();
        Meters.Commits commits = new Meters.Commits() {
            @Override
            public void committed(long nanos) {
                if (holdNextCommit.getAndSet(false)) {
                    held.countDown();
                    awaitRelease(release);
                }
                metrics.committed(nanos);
            }
        };
        try (Store store = Store.open(tmp.resolve("db"), commits)) {
            StorageService service = new StorageService("locks", store, Clock.systemUTC(), ActiveConnections.ofHost(tmp.resolve("no-mounts")), () -> { },
                    metrics);
            service.load();
            try (Batch batch = service.begin()) {
                batch.run(new Action.Manage("c-1", UriParser.parse("file:///srv/one")));
                batch.run(new Action.Manage("c-2", UriParser.parse("file:///srv/one")));
                batch.commit();
            }
            HealthChecks health = HealthChecks.of(List::of,
                    () -> List.of(store.isOpen() ? HealthChecks.Check.passed("store") : HealthChecks.Check.failed("store", "closed")));
            Action third = new Action.Manage("c-3", UriParser.parse("file:///srv/two"));
            holdNextCommit.set(true);
            Thread holder = new Thread(() -> {
                try (Batch batch = service.begin()) {
                    batch.run(third);
                    batch.commit();
                }
            });
            holder.start();
            try (HttpEndpoint endpoint = HttpEndpoint.start(new HttpAddress("127.0.0.1", 0), metrics, health)) {
                assertTrue(held.await(10, TimeUnit.SECONDS));
                String base = "http://127.0.0.1:" + endpoint.port();
                get(base + "/metrics"); // classes loaded
                // The locks are held until the finally below: a scrape that waited for either would
                // never answer, so the deadline only ends such a wait.
                Http.Response scrape = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> get(base + "/metrics"));
                Http.Response ready = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> get(base + "/readyz"));
                assertEquals(200, ready.statusCode(), ready.body());
                // The third CID, whose commit the meters have not been told of, is not shown.
                assertEquals(2, value(scrape.body(), "tether_cids"));
                assertEquals(1, value(scrape.body(), "tether_connections", "type", "file", "state", "CONNECTING"));
                assertEquals(1, value(scrape.body(), "tether_connection_state", "connection", "file:///srv/one", "state", "CONNECTING"));
                assertEquals(1, value(scrape.body(), "tether_store_commit_duration_seconds_count"));
            } finally {
                release.countDown();
                holder.join();
            }
        }
    }

    private static void awaitRelease(CountDownLatch release) {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
