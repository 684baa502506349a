package io.tether.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.connector.MountTable;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.testing.Host;
import io.tether.testing.HostResource;
import io.tether.testing.RawClient;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.GlusterServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole life of a managed GlusterFS connection against a real one-brick volume: mounted on
 * manage, DISCONNECTED when the brick dies, CONNECTED again by itself when it returns, a hung
 * (SIGSTOPped) brick that does not stall the worker, and unmounted when the last CID goes.
 */
@HostResource("glusterd")
class GlusterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    private Path mountRoot;

    @AfterEach
    void cleanUp() {
        if (mountRoot != null) {
            Host.unmountAllUnder(mountRoot);
        }
    }

    @Test
    void manageKillRestartHangUnmanage() throws Exception {
        Requirements.needRoot();
        Requirements.needTool("glusterd", "glusterfs-server");
        Requirements.needTool("mount.glusterfs", "glusterfs-client");
        Requirements.need(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Duration second = Duration.ofSeconds(1);
        try (GlusterServer gluster = new GlusterServer(Files.createDirectories(tmp.resolve("gluster")));
             TestWorker worker = new TestWorker("gluster", tmp.resolve("data"), c -> c.withMonitor(MonitorSettings.defaults()
                     .withProbeInterval(second).withOperationTimeout(Duration.ofSeconds(3))
                     .withRetry(new RetryPolicy(second, Duration.ofSeconds(2), 2.0, 0.2))));
             RawClient client = new RawClient(worker.url(), "gluster")) {
            mountRoot = worker.config().mountRoot();
            String key = "glusterfs://" + GlusterServer.HOST + "/" + gluster.volume();
            Path mountPoint = mountRoot.resolve("glusterSD").resolve(GlusterServer.HOST + ":_" + gluster.volume());

            client.manage("g-1", key);
            client.manage("g-2", key + "/");
            JsonNode up = client.awaitEvent(key, "STATE", "CONNECTED", 0, WAIT);
            assertTrue(Host.mounted(mountPoint), "mounted the VDSM way at " + mountPoint);
            assertEquals(1, Host.mountCount(mountPoint), "two CIDs, one mount");
            // mount.glusterfs hands nosuid,nodev to the client as FUSE mount options: the kernel has them.
            MountTable.Mount mount = MountTable.ofHost().at(mountPoint).orElseThrow();
            assertTrue(mount.options().containsAll(List.of("nosuid", "nodev")), mount.toString());
            Files.writeString(mountPoint.resolve("written-through-tether"), "ok");

            gluster.killBrick();
            JsonNode down = client.awaitEvent(key, "STATE", "DISCONNECTED", up.get("seq").asLong(), WAIT);
            assertTrue(down.at("/lastError/message").asText().contains("Transport endpoint is not connected"), down.toString());
            assertEquals(2, down.get("connectionIdCount").asInt());

            gluster.restartBrick();
            JsonNode back = client.awaitEvent(key, "STATE", "CONNECTED", down.get("seq").asLong(), WAIT);
            assertEquals("ok", Files.readString(mountPoint.resolve("written-through-tether")));

            // A stopped brick hangs I/O until gluster's 5 s ping timeout: the worker keeps answering.
            gluster.signalBrick("STOP");
            try {
                JsonNode hung = client.awaitEvent(key, "STATE", "DISCONNECTED", back.get("seq").asLong(), WAIT);
                for (int i = 0; i < 5; i++) {
                    assertEquals("DISCONNECTED", client.list().at("/connections/g-1/state").asText());
                }
                assertFalse(hung.at("/lastError/message").asText().isBlank());
            } finally {
                gluster.signalBrick("CONT");
            }
            gluster.restartBrick();
            client.awaitEvent(key, "STATE", "CONNECTED", back.get("seq").asLong(), WAIT);

            assertEquals("[]", client.unmanage("g-1").at("/result/disconnecting").toString());
            assertTrue(Host.mounted(mountPoint), "g-2 still holds it");
            assertEquals("[\"" + key + "\"]", client.unmanage("g-2").at("/result/disconnecting").toString());
            await().atMost(Duration.ofSeconds(30)).until(() -> !Host.mounted(mountPoint) && !Files.exists(mountPoint));
        }
    }
}
