package io.tether.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.api.Schemas;
import io.tether.connector.ActiveConnections;
import io.tether.connector.Connectors;
import io.tether.connector.FileRoots;
import io.tether.connector.MountPolicy;
import io.tether.metrics.Meters;
import io.tether.sealing.SealingKey;
import io.tether.store.OutboxEvent;
import io.tether.store.Store;
import io.tether.testing.Host;
import io.tether.testing.Requirements;
import io.tether.testing.servers.SftpServer;
import io.tether.worker.RequestCodec;
import io.tether.worker.RequestPath;
import io.tether.worker.StorageService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health for real (docs/monitoring.md, "Health"): the worker's state and request path on a real H2
 * store, the reconciler on its Quartz schedule, the host's mount connector, and real storage: an
 * sshfs mount of a live SFTP server that the test stops (SIGSTOP) and resumes, and a loop-mounted
 * ext4 image remounted read-only, and made read-only by the kernel after an error. What is
 * asserted is the status events in the outbox, as engines receive them. The probe interval is
 * lowered to 0.25 s and the delay threshold to 1 s, so each case takes seconds.
 */
class HealthIT {
    private static final Duration THRESHOLD = Duration.ofSeconds(1);
    private static final Duration PROBE = Duration.ofMillis(250);
    private static final MountPolicy OPERATOR = MountPolicy.defaults()
            .allowingOption("ext4", "loop").allowingOption("ext4", "errors")
            .allowingVfsType("fuse.sshfs").allowingOption("fuse.sshfs", "directport")
            .allowingOption("fuse.sshfs", "reconnect");

    @TempDir
    Path tmp;
    private Path root;
    private Store store;
    private Reconciler reconciler;
    private RequestPath requests;
    private final AtomicInteger ids = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        Requirements.needRoot();
        root = Files.createDirectories(tmp.resolve("mnt"));
        store = Store.open(tmp.resolve("db"));
        StorageService service = new StorageService("health", store, Clock.systemUTC(), ActiveConnections.ofHost(root), () -> { });
        service.load();
        reconciler = new Reconciler(service, Connectors.forHost(root, Duration.ofSeconds(10), OPERATOR, FileRoots.NONE), Clock.systemUTC(),
                MonitorSettings.defaults().withProbeInterval(PROBE).withHealthDelayThreshold(THRESHOLD), Meters.Monitor.NONE);
        requests = new RequestPath(new RequestCodec(OPERATOR, FileRoots.NONE, SealingKey.open(tmp.resolve("sealing-key.jwk"))), service, store,
                reconciler::enqueue);
    }

    @AfterEach
    void tearDown() {
        if (reconciler != null) {
            reconciler.close();
        }
        if (store != null) {
            store.close();
        }
        if (root != null) {
            Host.unmountAllUnder(root);
        }
    }

    private JsonNode call(String method, String params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
        Reply reply = requests.handle(List.of(new Incoming.Readable(body, Optional.of("msg:" + ids.incrementAndGet())))).get(0);
        JsonNode json = JsonRpc.MAPPER.readTree(((Reply.Send) reply).json());
        assertTrue(json.has("result"), json.toString());
        return json.get("result");
    }

    private void manage(String cid, String uri) throws Exception {
        call("manageStorageServer", "{\"connectionId\":\"" + cid + "\",\"uri\":" + JsonRpc.MAPPER.writeValueAsString(uri) + "}");
    }

    /** The status events written so far, each checked against its schema. */
    private List<JsonNode> events() throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (OutboxEvent e : store.pendingEvents(0, 10_000)) {
            JsonNode note = JsonRpc.MAPPER.readTree(e.body());
            assertEquals(List.of(), Schemas.problems("storageServerStatusChanged.event", note), e.body());
            events.add(note.get("params"));
        }
        return events;
    }

    /** "CHANGE STATE STATUS [REASONS]" of each event, for assertions that read like the events. */
    private List<String> story() throws Exception {
        return events().stream().map(e -> e.get("change").asText() + " " + e.get("state").asText() + " "
                + e.get("health").get("status").asText() + " " + e.get("health").get("reasons")).toList();
    }

    private JsonNode listed(String cid) throws Exception {
        JsonNode list = call("getStorageServerList", "{}");
        assertEquals(List.of(), Schemas.problems("getStorageServerList.response", list), list.toString());
        return list.get("connections").get(cid);
    }

    private void awaitStory(List<String> expected) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(expected, story()));
    }

    /**
     * The SFTP server stopped for 3 s, three times the threshold: the probe in flight (a stat and a
     * direct read of the readCheck file, both answered by the server only) takes that long, so the
     * connection goes DEGRADED/SLOW, and OK at the next probe after the server is resumed. Then a
     * window of quiet probes: delays that jitter around their normal values publish nothing.
     */
    @Test
    void anSshfsMountWhoseServerHangsIsSlowThenOkAgain() throws Exception {
        SftpServer.needSshfs();
        Path exported = Files.createDirectories(tmp.resolve("sftp"));
        Files.writeString(exported.resolve("metadata"), "domain metadata\n");
        try (SftpServer server = new SftpServer(tmp.resolve("sftp.log"))) {
            manage("sshfs-1", "posix://127.0.0.1" + exported + "?vfsType=fuse.sshfs&options=directport=" + server.port()
                    + ",reconnect&readCheck=metadata");
            awaitStory(List.of("MANAGED CONNECTING DEGRADED [\"NOT_CONNECTED\"]", "STATE CONNECTED OK []"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !listed("sshfs-1").get("health").get("delayMs").isNull());

            server.pause();
            try {
                Thread.sleep(3 * THRESHOLD.toMillis()); // the outage the test makes, not a wait for an outcome
            } finally {
                server.resume();
            }
            awaitStory(List.of("MANAGED CONNECTING DEGRADED [\"NOT_CONNECTED\"]", "STATE CONNECTED OK []",
                    "HEALTH CONNECTED DEGRADED [\"SLOW\"]", "HEALTH CONNECTED OK []"));
            JsonNode slow = events().get(2).get("health");
            assertTrue(slow.get("delayMs").asLong() > THRESHOLD.toMillis(), slow.toString());

            // A window of 20 probes (5 s at 0.25 s): each delay differs, no event. The same decisions
            // as a minute at a 3 s interval; HealthTest runs a full minute of them on a test clock.
            int before = events().size();
            List<Long> delays = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < end) {
                delays.add(listed("sshfs-1").get("health").get("delayMs").asLong());
                Thread.sleep(PROBE.toMillis());
            }
            assertEquals(before, events().size(), "no event from normal jitter; delays seen " + delays);
        }
    }

    /**
     * An ext4 loop mount remounted read-only is DEGRADED/READ_ONLY and OK again when read-write;
     * then the kernel itself makes it read-only after an error (errors=remount-ro), as after an
     * iSCSI outage in the field.
     */
    @Test
    void aLoopMountedExt4ThatGoesReadOnlyIsDegraded() throws Exception {
        Requirements.needTool("mkfs.ext4", "e2fsprogs");
        Path image = tmp.resolve("disk.img");
        Host.ok(10, "truncate", "-s", "16M", image.toString());
        Host.ok(60, "mkfs.ext4", "-q", "-F", image.toString());
        manage("ext4-1", "posix://" + image + "?vfsType=ext4&options=loop,errors=remount-ro");
        awaitStory(List.of("MANAGED CONNECTING DEGRADED [\"NOT_CONNECTED\"]", "STATE CONNECTED OK []"));
        Path point = mountPointOf();

        Host.ok(30, "mount", "-o", "remount,ro", point.toString());
        awaitStory(List.of("MANAGED CONNECTING DEGRADED [\"NOT_CONNECTED\"]", "STATE CONNECTED OK []",
                "HEALTH CONNECTED DEGRADED [\"READ_ONLY\"]"));
        assertEquals("DEGRADED", listed("ext4-1").get("health").get("status").asText());
        Host.ok(30, "mount", "-o", "remount,rw", point.toString());
        awaitStory(List.of("MANAGED CONNECTING DEGRADED [\"NOT_CONNECTED\"]", "STATE CONNECTED OK []",
                "HEALTH CONNECTED DEGRADED [\"READ_ONLY\"]", "HEALTH CONNECTED OK []"));

        String device = Path.of(io.tether.connector.MountTable.ofHost().at(point).orElseThrow().source()).getFileName().toString();
        Path trigger = Path.of("/sys/fs/ext4", device, "trigger_fs_error");
        Requirements.need(Files.exists(trigger), "needs ext4's " + trigger + " to make the kernel see an error");
        Files.writeString(trigger, "1");
        awaitStory(List.of("MANAGED CONNECTING DEGRADED [\"NOT_CONNECTED\"]", "STATE CONNECTED OK []",
                "HEALTH CONNECTED DEGRADED [\"READ_ONLY\"]", "HEALTH CONNECTED OK []",
                "HEALTH CONNECTED DEGRADED [\"READ_ONLY\"]"));
    }

    /** A readCheck file that is not there: the connection is DISCONNECTED, and the error names the file. */
    @Test
    void aMissingReadCheckFileIsAnErrorNamingIt() throws Exception {
        manage("tmpfs-1", "posix:///tether-health-rc?vfsType=tmpfs&options=size=1m&readCheck=dom_md/metadata");
        await().atMost(Duration.ofSeconds(30)).until(() -> story().contains("STATE DISCONNECTED DEGRADED [\"NOT_CONNECTED\"]"));
        JsonNode down = events().stream().filter(e -> e.get("state").asText().equals("DISCONNECTED")).findFirst().orElseThrow();
        String message = down.get("lastError").get("message").asText();
        assertTrue(message.startsWith("readCheck of dom_md/metadata on ") && message.contains("dom_md/metadata"), message);
        assertTrue(message.contains("No such file or directory"), message);
        assertEquals(469, down.get("lastError").get("code").asInt());
    }

    /** Where the connector mounted the test's one mount: under the root. */
    private Path mountPointOf() throws Exception {
        return io.tether.connector.MountTable.ofHost().mounts().stream().filter(m -> m.mountPoint().startsWith(root))
                .findFirst().orElseThrow().mountPoint();
    }
}
