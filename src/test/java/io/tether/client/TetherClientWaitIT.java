package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.api.ErrorCode;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine-side waiting (list, then watch from the snapshot's seq): with a timeout, or try once. */
class TetherClientWaitIT {
    @TempDir
    Path tmp;

    @Test
    void awaitConnectedAndTryOnce() throws Exception {
        Duration ms200 = Duration.ofMillis(200);
        try (TestWorker worker = new TestWorker("wait", tmp.resolve("data"), c -> c.withMonitor(MonitorSettings.defaults()
                .withProbeInterval(ms200).withRetry(new RetryPolicy(ms200, ms200, 1.0, 0.0))));
             TetherClient client = TetherClient.connect(worker.url(), null, null)) {
            Path ready = Files.createDirectories(tmp.resolve("ready"));
            client.call("wait", "manageStorageServer", Map.of("connectionId", "ready-1", "uri", "file://" + ready), Duration.ofSeconds(10));
            assertEquals(TetherClient.WaitOutcome.CONNECTED, client.awaitConnected("wait", "ready-1", Duration.ofSeconds(10)).outcome());

            Path later = tmp.resolve("later");
            client.call("wait", "manageStorageServer", Map.of("connectionId", "later-1", "uri", "file://" + later), Duration.ofSeconds(10));
            TetherClient.WaitResult once = client.tryOnce("wait", "later-1", Duration.ofSeconds(10));
            assertEquals(TetherClient.WaitOutcome.FAILED, once.outcome());
            assertEquals(453, once.lastError().get("code").asInt());
            // Long enough for the list to answer on a busy machine: a TIMEOUT needs an answer that
            // was not CONNECTED; no answer at all is the TimeoutException of a host that is away.
            assertEquals(TetherClient.WaitOutcome.TIMEOUT, client.awaitConnected("wait", "later-1", Duration.ofSeconds(5)).outcome());

            // The directory appears while the engine waits: the wait ends with CONNECTED, by itself.
            CompletableFuture<TetherClient.WaitResult> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.awaitConnected("wait", "later-1", Duration.ofSeconds(60));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Files.createDirectories(later);
            assertEquals(TetherClient.WaitOutcome.CONNECTED, waiting.get().outcome());

            RpcException unknown = assertThrows(RpcException.class, () -> client.awaitConnected("wait", "nope", Duration.ofSeconds(5)));
            assertEquals(Optional.of(ErrorCode.CID_NOT_FOUND), unknown.errorCode());
        }
    }
}
