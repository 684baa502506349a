package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.testing.Host;
import io.tether.testing.HostResource;
import io.tether.testing.RawClient;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import io.tether.testing.servers.GlusterServer;
import io.tether.testing.servers.SftpServer;
import io.tether.uri.GlusterScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking over a host that VDSM ran (docs/operations.md, "Migrating a VDSM host"): a real worker
 * whose mount root, as {@code --mount-root} sets it, stands in for /rhev/data-center/mnt, on a host
 * where each mount was made as VDSM makes it, with mount(8), under VDSM's name for the spec the
 * engine sent. Until an engine manages it, a mount is listed as unmanaged; managed, by CIDs that
 * may write its host otherwise than VDSM's engine did, it is adopted once (no second mount), listed
 * once (as its CIDs, never also as unmanaged), and gone with its directory after the last unmanage.
 */
@HostResource("glusterd")
class VdsmTakeoverIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** What this host's operator allows beyond the defaults, as --allow-vfs-type and --allow-mount-option would. */
    private static final MountPolicy OPERATOR = MountPolicy.defaults()
            .allowingVfsType("none").allowingOption("none", "bind")
            .allowingVfsType("fuse.sshfs").allowingOption("fuse.sshfs", "directport")
            .allowingOption("fuse.sshfs", "reconnect");

    @TempDir
    Path tmp;
    private Path mountRoot;
    private TestWorker worker;
    private RawClient client;

    @BeforeEach
    void start() throws Exception {
        Requirements.needRoot();
        mountRoot = Files.createDirectories(tmp.resolve("rhev/data-center/mnt"));
        Duration second = Duration.ofSeconds(1);
        worker = new TestWorker("takeover", tmp.resolve("data"), c -> c.withMountRoot(mountRoot)
                .withMountPolicy(OPERATOR).withMonitor(MonitorSettings.defaults().withProbeInterval(second)
                        .withOperationTimeout(Duration.ofSeconds(5))
                        .withRetry(new RetryPolicy(second, Duration.ofSeconds(2), 2.0, 0.2))));
        client = new RawClient(worker.url(), "takeover");
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (mountRoot != null) {
            Host.unmountAllUnder(mountRoot);
        }
    }

    /** Runs {@code mount} as VDSM runs it for {@code spec}, at VDSM's name for it under the root's {@code dir}. */
    private Path mountAsVdsm(String dir, String spec, String... typeAndOptions) throws Exception {
        Path point = Files.createDirectories(mountRoot.resolve(dir).resolve(MountPaths.escape(MountPaths.normalise(spec))));
        List<String> command = new ArrayList<>(List.of("mount"));
        command.addAll(List.of(typeAndOptions));
        command.addAll(List.of(spec, point.toString()));
        Host.ok(60, command.toArray(String[]::new));
        return point;
    }

    /**
     * The life of VDSM's mount at {@code vdsms} under Tether: listed as unmanaged, then managed by
     * {@code uris} (one CID each, the first naming the connection), adopted once, listed once,
     * removed with its directory after the last unmanage.
     */
    private void takeOver(Path vdsms, String key, String... uris) throws Exception {
        assertEquals(1, entriesAt(vdsms, client.list()).size(), "listed as unmanaged before an engine manages it");
        assertFalse(entriesAt(vdsms, client.list()).get(0).get("managed").asBoolean());

        for (int i = 0; i < uris.length; i++) {
            assertEquals(key, client.manage("vdsm-" + i, uris[i]).at("/result/connectionKey").asText(), uris[i]);
        }
        client.awaitEvent(key, "STATE", "CONNECTED", 0, WAIT);
        assertEquals(List.of(vdsms), mountPointsBeside(vdsms), "adopted where VDSM mounted it; nothing else made");
        assertEquals(1, Host.mountCount(vdsms), "adopted, not mounted again");
        JsonNode list = client.list();
        assertEquals(List.of(), entriesAt(vdsms, list), "the CIDs' mount is not also an unmanaged connection");
        assertEquals(uris.length, list.get("connections").size(), "listed once, as its CIDs: " + list);

        for (int i = 0; i < uris.length - 1; i++) {
            assertEquals("[]", client.unmanage("vdsm-" + i).at("/result/disconnecting").toString());
        }
        assertTrue(Host.mounted(vdsms), "the last CID still holds it");
        assertEquals("[\"" + key + "\"]", client.unmanage("vdsm-" + (uris.length - 1)).at("/result/disconnecting").toString());
        await().atMost(WAIT).until(() -> !Host.mounted(vdsms) && !Files.exists(vdsms));
        assertEquals(List.of(), mountPointsBeside(vdsms), "no mount of it is left behind");
        assertEquals(0, client.list().get("connections").size());
    }

    /** The list's entries, managed or not, whose connection info names {@code point} as the mount point. */
    private static List<JsonNode> entriesAt(Path point, JsonNode list) {
        List<JsonNode> entries = new ArrayList<>();
        list.get("connections").forEach(e -> {
            if (point.toString().equals(e.at("/connectionInfo/mountPoint").asText())) {
                entries.add(e);
            }
        });
        return entries;
    }

    /** The mount points in the directory that holds {@code point}. */
    private static List<Path> mountPointsBeside(Path point) throws Exception {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> Path.of(l.split(" ")[4].replace("\\040", " "))).distinct()
                    .filter(p -> point.getParent().equals(p.getParent())).toList();
        }
    }

    /** VDSM's tmpfs mount, its host spelt otherwise by the first CID and by the second, across a restart of the worker. */
    @Test
    void aTmpfsWhoseHostTheCidsSpellOtherwise() throws Exception {
        Path vdsms = mountAsVdsm("", "Filer01.Example.com:/exports/vm_data", "-t", "tmpfs", "-o", "size=1m");
        String key = "posix://filer01.example.com/exports/vm_data";
        assertEquals(1, entriesAt(vdsms, client.list()).size());
        client.manage("first", "posix://FILER01.example.COM/exports//vm_data/?vfsType=tmpfs");
        client.awaitEvent(key, "STATE", "CONNECTED", 0, WAIT);
        // Started again, the worker reads the first CID's URI back with its spelling and adopts again.
        client.close();
        worker.stop();
        worker.start();
        client = new RawClient(worker.url(), "takeover");
        await().atMost(WAIT).until(() -> client.list().at("/connections/first/state").asText().equals("CONNECTED"));
        assertEquals(1, Host.mountCount(vdsms));
        client.unmanage("first");
        await().atMost(WAIT).until(() -> !Host.mounted(vdsms) && !Files.exists(vdsms));

        Path again = mountAsVdsm("", "Filer01.Example.com:/exports/vm_data", "-t", "tmpfs", "-o", "size=1m");
        takeOver(again, key, "posix://filer01.example.com/exports/./vm_data?vfsType=tmpfs",
                "posix://FILER01.EXAMPLE.COM/exports/vm_data?vfsType=tmpfs");
    }

    /** VDSM's sshfs mount (a POSIX domain of type fuse.sshfs) of an SFTP server, its host in capitals. */
    @Test
    void anSshfsMount() throws Exception {
        SftpServer.needSshfs();
        GlusterServer.ensureHostAlias();
        Path exported = Files.createDirectories(tmp.resolve("sftp"));
        try (SftpServer server = new SftpServer(tmp.resolve("sftp.log"))) {
            String options = "directport=" + server.port() + ",reconnect";
            String host = GlusterServer.HOST.toUpperCase(Locale.ROOT);
            Path vdsms = mountAsVdsm("", host + ":" + exported, "-t", "fuse.sshfs", "-o", options);
            Files.writeString(vdsms.resolve("written-through-vdsms-mount"), "ok");
            takeOver(vdsms, "posix://" + GlusterServer.HOST + exported,
                    "posix://" + GlusterServer.HOST + exported + "?vfsType=fuse.sshfs&options=" + options,
                    "posix://" + host + exported + "/?vfsType=fuse.sshfs&options=" + options);
            assertEquals("ok", Files.readString(exported.resolve("written-through-vdsms-mount")));
        }
    }

    /** VDSM's GlusterFS mount, in glusterSD/, of a one-brick volume whose server the engine wrote in capitals. */
    @Test
    void aGlusterfsMount() throws Exception {
        Requirements.needTool("glusterd", "glusterfs-server");
        Requirements.needTool("mount.glusterfs", "glusterfs-client");
        Requirements.need(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        try (GlusterServer gluster = new GlusterServer(Files.createDirectories(tmp.resolve("gluster")))) {
            String host = GlusterServer.HOST.toUpperCase(Locale.ROOT);
            Path vdsms = mountAsVdsm(GlusterScheme.DIRECTORY, host + ":/" + gluster.volume(), "-t", "glusterfs");
            String key = "glusterfs://" + GlusterServer.HOST + "/" + gluster.volume();
            takeOver(vdsms, key, "glusterfs://" + host + "/" + gluster.volume() + "/",
                    "glusterfs://" + GlusterServer.HOST + ":24007/" + gluster.volume());
        }
    }

    /** VDSM's bind mount of a directory: the mount shows the device the directory lives on, not the directory. */
    @Test
    void aBindMount() throws Exception {
        Path directory = Files.createDirectories(tmp.resolve("vm_data"));
        Path vdsms = mountAsVdsm("", directory.toString(), "--bind");
        takeOver(vdsms, "posix://" + directory, "posix://" + directory + "?vfsType=none&options=bind",
                "posix://" + directory + "/?vfsType=none&options=bind");
    }
}
