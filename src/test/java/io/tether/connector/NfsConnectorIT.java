package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.testing.Host;
import io.tether.testing.HostResource;
import io.tether.testing.Requirements;
import io.tether.testing.servers.GaneshaServer;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NFS against a real NFS-Ganesha on 127.0.0.1. This machine kind's kernel cannot mount NFS
 * ("No such device"), so the mount itself fails for real here; on a host that can mount, the same
 * test checks the mount instead.
 */
@HostResource("nfs-ganesha")
class NfsConnectorIT {
    @TempDir
    Path tmp;
    private Path root;
    private MountConnector nfs;

    @BeforeEach
    void setUp() throws Exception {
        Requirements.needRoot();
        Requirements.needTool("ganesha.nfsd", "nfs-ganesha nfs-ganesha-vfs");
        Requirements.needTool("mount.nfs", "nfs-common");
        root = Files.createDirectories(tmp.resolve("mnt"));
        nfs = new MountConnector(StorageType.NFS, root, new CommandRunner(), MountTable.ofHost(), Duration.ofSeconds(10),
                MountPolicy.defaults());
    }

    @AfterEach
    void cleanUp() {
        if (root != null) {
            Host.unmountAllUnder(root);
        }
    }

    @Test
    void reachableServerMountFailureAndUnreachableServerAreToldApart() throws Exception {
        StorageUri uri = UriParser.parse("nfs://127.0.0.1/export?version=4.1");
        try (GaneshaServer ganesha = new GaneshaServer(tmp.resolve("ganesha"))) {
            Reachability.nfsNull("127.0.0.1", 2049, 4, Duration.ofSeconds(5));
            ConnectorException v3 = assertThrows(ConnectorException.class,
                    () -> Reachability.nfsNull("127.0.0.1", 2049, 3, Duration.ofSeconds(5)));
            assertTrue(v3.getMessage().contains("does not serve NFS version 3"), v3.getMessage());
            mountOrMountError(uri).ifPresent(mountFailed -> {
                assertTrue(mountFailed.contains(
                        "mount -t nfs -o soft,nosharecache,timeo=100,retrans=3,nfsvers=4,minorversion=1,nosuid,nodev 127.0.0.1:/export"),
                        mountFailed);
                assertTrue(mountFailed.contains("exit 32") && mountFailed.contains("mount.nfs"),
                        "the tool's own message: " + mountFailed);
            });
            ganesha.stop();
            assertUnreachable(uri, "NFS server 127.0.0.1:2049 is unreachable");
        }
    }

    /**
     * Mounts, probes and unmounts {@code uri} when this kernel can mount NFS; otherwise returns the
     * message of the mount's failure, which must be a {@code MountError} that left no directory.
     */
    private Optional<String> mountOrMountError(StorageUri uri) {
        try {
            nfs.establish(uri);
            nfs.probe(uri);
            nfs.disconnect(uri);
            return Optional.empty();
        } catch (ConnectorException mountFailed) {
            assertEquals(VdsmError.MountError, mountFailed.error(), mountFailed.getMessage());
            assertFalse(Files.exists(MountPaths.mountPoint(root, uri)), "a failed mount leaves no directory");
            return Optional.of(mountFailed.getMessage());
        }
    }

    private void assertUnreachable(StorageUri uri, String message) {
        ConnectorException down = assertThrows(ConnectorException.class, () -> nfs.establish(uri));
        assertEquals(VdsmError.StorageServerConnectionError, down.error());
        assertTrue(down.getMessage().contains(message), down.getMessage());
    }

    /**
     * An IPv6 host in another spelling reaches the same server: the server check uses its one
     * spelling, the mount spec and directory the spelling the URI wrote, as VDSM's do. Ganesha
     * listens on 127.0.0.1, so the address is IPv4-mapped.
     */
    @Test
    void anIpv6HostIsCheckedInItsOneSpellingAndMountedAsWritten() throws Exception {
        StorageUri uri = UriParser.parse("nfs://[0:0:0:0:0:FFFF:7f00:0001]:2049/export?version=4.1");
        assertEquals("nfs://[::ffff:127.0.0.1]/export", uri.key().value());
        try (GaneshaServer ganesha = new GaneshaServer(tmp.resolve("ganesha"))) {
            // Past the NFS NULL call to [::ffff:127.0.0.1]:2049, mount is given the spec as written.
            mountOrMountError(uri).ifPresent(mountFailed -> assertTrue(mountFailed.contains(
                    "[0:0:0:0:0:FFFF:7f00:0001]:/export " + root.resolve("[0:0:0:0:0:FFFF:7f00:0001]:_export")),
                    mountFailed));
            ganesha.stop();
            assertUnreachable(uri, "NFS server [::ffff:127.0.0.1]:2049 is unreachable");
        }
    }

    @Test
    void theWorkerReportsTheMountErrorAndRetriesWithBackoff() throws Exception {
        io.tether.testing.RecordingConnector recorded = new io.tether.testing.RecordingConnector(nfs);
        Duration ms300 = Duration.ofMillis(300);
        try (GaneshaServer ganesha = new GaneshaServer(tmp.resolve("ganesha"));
             io.tether.testing.TestWorker worker = new io.tether.testing.TestWorker("nfs", tmp.resolve("data"),
                     c -> c.withConnector(StorageType.NFS, recorded).withMonitor(io.tether.monitor.MonitorSettings.defaults()
                             .withRetry(new io.tether.retry.RetryPolicy(ms300, Duration.ofSeconds(5), 2.0, 0.0))));
             io.tether.testing.RawClient client = new io.tether.testing.RawClient(worker.url(), "nfs")) {
            String key = "nfs://127.0.0.1/export";
            client.manage("nfs-1", key + "?version=4.1");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> recorded.of("establish", key).size() >= 4);
            var entry = client.list().at("/connections/nfs-1");
            java.util.List<io.tether.testing.RecordingConnector.Call> tries = recorded.of("establish", key);
            // Each retry waits at least its backoff after the failed connect (300 ms, then 600 ms, then
            // 1.2 s: no jitter); a busy machine can only make it later. The plan itself is ReconcilerTest's.
            for (int retry = 1; retry <= 3; retry++) {
                long waited = (tries.get(retry).nanos() - tries.get(retry - 1).endNanos()) / 1_000_000;
                long backoff = ms300.toMillis() << (retry - 1);
                assertTrue(waited >= backoff - 5, "retry " + retry + " came " + waited + " ms after the failure, before its "
                        + backoff + " ms backoff");
            }
            if (entry.get("state").asText().equals("DISCONNECTED")) {
                assertEquals(477, entry.at("/lastError/code").asInt(), entry.toString());
                assertEquals("MountError", entry.at("/lastError/name").asText());
                assertTrue(entry.at("/lastError/message").asText().contains("mount.nfs"), entry.toString());
            }
        }
    }

    @Test
    void aPortThatIsNotNfsIsNotTakenForAServer() throws Exception {
        try (ServerSocket notNfs = new ServerSocket(0)) {
            Thread closer = new Thread(() -> {
                try {
                    notNfs.accept().close();
                } catch (Exception ignored) {
                    // The test is over.
                }
            });
            closer.start();
            assertThrows(ConnectorException.class,
                    () -> Reachability.nfsNull("127.0.0.1", notNfs.getLocalPort(), 4, Duration.ofSeconds(5)));
        }
    }
}
