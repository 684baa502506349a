package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.testing.Guest;
import io.tether.testing.GuestWorker;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * NFS connected for real, {@link KernelIT}'s first group: the build's worker in the {@link Guest}
 * with a kernel of its own mounts exports of the kernel's NFS server (nfsd, on the guest's loopback:
 * src/test/vm/nfs-server.sh) with the kernel's NFS client, as on a virtualization host, under
 * VDSM's mount root and naming. Every test leaves the worker running with no CID and nothing mounted.
 *
 * <p>Invariants: a connection is one kernel mount, whichever CIDs and restarts hold it (never a
 * second one at its mount point); its last unmanage leaves neither the mount nor its directory; a
 * server that stops answering makes the connection DISCONNECTED through a probe that is killed,
 * not left hanging, while requests for other connections are answered; when the server is back,
 * the connection is CONNECTED again by itself.
 */
// Several waits of WAIT each, in an emulated guest: more than the suite's ten minutes a test.
@Timeout(value = 20, unit = TimeUnit.MINUTES)
abstract class NfsKernelCases extends KernelCases {
    /** nfsd serving (src/test/vm/nfs-server.sh), run once in the guest before the first test. */
    static final String START = server("start");
    private static final String ROOT = KernelIT.MOUNT_ROOT;
    /** The v4 export (under nfsd's pseudo-root), its key, and where VDSM (and so Tether) mounts it. */
    private static final String V4 = "nfs://127.0.0.1/export";
    private static final String V4_POINT = ROOT + "/127.0.0.1:_export";

    NfsKernelCases(Guest guest, GuestWorker worker) {
        super(guest, worker);
    }

    private static String server(String command) {
        return script("nfs-server.sh", command);
    }

    /**
     * Whatever a failed test left: nfsd serving, a worker running, every CID unmanaged, and in
     * the end nothing mounted under the root (what the worker did not unmount is detached).
     */
    @AfterEach
    void cleanUp() throws Exception {
        try {
            guest.ok(server("resume"));
            if (!worker.isRunning()) {
                if (client != null) {
                    client.close();
                }
                worker.start();
                client = null;
            }
            unmanageAll();
            await().atMost(WAIT).until(() -> guest.ok("grep -c ' " + ROOT + "/' /proc/mounts || true").trim().equals("0"));
        } finally {
            if (client != null) {
                client.close();
                client = null;
            }
            guest.ok("for point in $(awk '$2 ~ \"^" + ROOT + "/\" { print $2 }' /proc/mounts); do umount -l $point; done;"
                    + " rm -rf " + ROOT + "/*");
        }
    }

    /** The lines of the guest's /proc/mounts whose mount point is {@code point}. */
    private List<String> mountsAt(String point) {
        List<String> lines = new ArrayList<>();
        for (String line : guest.ok("cat /proc/mounts").split("\n")) {
            if (line.split(" ").length > 2 && line.split(" ")[1].equals(point)) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Waits until nothing is mounted at {@code point} and its directory is gone. */
    private void awaitGone(String point) {
        await().atMost(WAIT).until(() -> mountsAt(point).isEmpty() && guest.run(WAIT, "test -e '" + point + "'").status() != 0);
    }

    private String state(String cid) throws Exception {
        return entry(cid).path("state").asText();
    }

    /**
     * NFS 4.2: the kernel's nfs4 mount of 127.0.0.1:/export at VDSM's name for it, with VDSM's
     * options; a second CID shares it; the first unmanage leaves it, the last takes it and its directory.
     */
    @Test
    void nfs42MountedAsVdsmMountsItSharedByTwoCids() throws Exception {
        String key = client.manage("a", V4 + "?version=4.2").at("/result/connectionKey").asText();
        awaitState("a", "CONNECTED");
        List<String> mounts = mountsAt(V4_POINT);
        assertEquals(1, mounts.size(), "one mount: " + mounts);
        String[] fields = mounts.get(0).split(" ");
        assertEquals("127.0.0.1:/export", fields[0]);
        assertEquals("nfs4", fields[2]);
        for (String option : List.of("vers=4.2", "soft", "nosharecache", "timeo=100", "retrans=3", "nosuid", "nodev")) {
            assertTrue(List.of(fields[3].split(",")).contains(option), option + " in " + fields[3]);
        }
        assertEquals("4.2", client.list().at("/connections/a/connectionInfo/negotiatedVersion").asText());

        assertEquals(key, client.manage("b", V4 + "/?version=4.2").at("/result/connectionKey").asText());
        awaitState("b", "CONNECTED");
        assertEquals(1, mountsAt(V4_POINT).size(), "shared, not mounted again");
        guest.ok("echo written > " + V4_POINT + "/by-a && cat /srv/nfs/export/by-a");

        assertEquals("[]", client.unmanage("a").at("/result/disconnecting").toString());
        assertEquals(1, mountsAt(V4_POINT).size(), "b still holds it");
        assertEquals("[\"" + key + "\"]", client.unmanage("b").at("/result/disconnecting").toString());
        awaitGone(V4_POINT);
        assertEquals(0, client.list().get("connections").size());
    }

    /** NFS 3 (with nolock, as VDSM mounts it), at the export's real path. */
    @Test
    void nfs3() throws Exception {
        String point = ROOT + "/127.0.0.1:_srv_nfs_export";
        client.manage("v3", "nfs://127.0.0.1/srv/nfs/export?version=3");
        awaitState("v3", "CONNECTED");
        List<String> mounts = mountsAt(point);
        assertEquals(1, mounts.size(), "one mount: " + mounts);
        assertEquals("nfs", mounts.get(0).split(" ")[2]);
        List<String> options = List.of(mounts.get(0).split(" ")[3].split(","));
        assertTrue(options.contains("vers=3") && options.contains("nolock"), mounts.get(0));
        assertEquals("3", client.list().at("/connections/v3/connectionInfo/negotiatedVersion").asText());
        client.unmanage("v3");
        awaitGone(point);
    }

    /** No version: mount negotiates (the server's highest, 4.2), and the list says what it chose. */
    @Test
    void versionAutoIsReadBack() throws Exception {
        client.manage("auto", V4 + "?version=auto");
        awaitState("auto", "CONNECTED");
        assertFalse(mountsAt(V4_POINT).get(0).contains("nfsvers="), "no version asked for");
        assertEquals("4.2", client.list().at("/connections/auto/connectionInfo/negotiatedVersion").asText());
        client.unmanage("auto");
        awaitGone(V4_POINT);
    }

    /**
     * nfsd stopped: the probe's direct read hangs in the kernel, is killed at the operation timeout
     * (no child left behind), and the connection is DISCONNECTED with NOT_CONNECTED; meanwhile
     * another connection is managed, listed and unmanaged as usual. nfsd back: CONNECTED, one mount.
     */
    @Test
    void serverStoppedAndBack() throws Exception {
        client.manage("down", V4 + "?version=4.2&readCheck=generation");
        awaitState("down", "CONNECTED");
        long seq = client.list().get("seq").asLong();
        try {
            guest.ok(server("stop"));
            JsonNode down = client.awaitEvent(V4, "STATE", "DISCONNECTED", seq, WAIT);
            assertEquals("DEGRADED", down.at("/health/status").asText(), down.toString());
            assertTrue(down.at("/health/reasons").toString().contains("NOT_CONNECTED"), down.toString());
            assertTrue(down.at("/lastError/message").asText().startsWith("probe did not return within " + KernelIT.OPERATION_TIMEOUT + ".0 s"), down.toString());
            // The hung reads were killed: no dd (nor stat) of the probe's is left in the kernel's hands.
            await().atMost(WAIT).until(() -> guest.run(WAIT, "pgrep -x dd || pgrep -x stat").status() == 1);

            JsonNode other = client.manage("other", "posix://other/scratch?vfsType=tmpfs&options=size=1m");
            assertTrue(other.has("result"), other.toString());
            awaitState("other", "CONNECTED");
            assertEquals("DISCONNECTED", state("down"));
            assertTrue(client.unmanage("other").has("result"));
        } finally {
            guest.ok(server("resume"));
        }
        awaitState("down", "CONNECTED");
        assertEquals(1, mountsAt(V4_POINT).size(), "mounted once: " + mountsAt(V4_POINT));
        client.unmanage("down");
        awaitGone(V4_POINT);
        await().atMost(WAIT).until(() -> client.list().get("connections").size() == 0);
    }

    /** The export replaced under the mount: the probe's read gets ESTALE (384), and the mount is made afresh at once. */
    @Test
    void staleHandleRemounts() throws Exception {
        client.manage("stale", V4 + "?version=4.2&readCheck=generation");
        awaitState("stale", "CONNECTED");
        String generation = guest.ok("cat " + V4_POINT + "/generation").trim();
        long seq = client.list().get("seq").asLong();
        guest.ok(server("replace"));
        JsonNode stale = client.awaitEvent(V4, "STATE", "DISCONNECTED", seq, WAIT);
        assertEquals(384, stale.at("/lastError/code").asInt(), stale.toString());
        client.awaitEvent(V4, "STATE", "CONNECTED", stale.get("seq").asLong(), WAIT);
        assertEquals(1, mountsAt(V4_POINT).size(), "the stale mount detached, one mount: " + mountsAt(V4_POINT));
        assertEquals(Integer.parseInt(generation) + 1, Integer.parseInt(guest.ok("cat " + V4_POINT + "/generation").trim()),
                "the new export is what is mounted");
        client.unmanage("stale");
        awaitGone(V4_POINT);
    }

    /** kill -9 of the worker while mounted: the next worker adopts the mount, mounting nothing. */
    @Test
    void killNineThenAdoptedOnce() throws Exception {
        client.manage("crash", V4 + "?version=4.2");
        awaitState("crash", "CONNECTED");
        client.close();
        worker.kill9();
        assertEquals(1, mountsAt(V4_POINT).size(), "the mount outlives the worker");
        long before = Files.readString(worker.log()).length();
        worker.start();
        client = worker.client();
        awaitState("crash", "CONNECTED");
        assertEquals(1, mountsAt(V4_POINT).size(), "adopted, not mounted again: " + mountsAt(V4_POINT));
        // Found connected by the new worker's first probe: one STATE event, nothing mounted.
        String since = Files.readString(worker.log()).substring((int) before);
        assertEquals(1, since.lines().filter(l -> l.endsWith("key=" + V4 + " CONNECTED")).count(), since);
        assertFalse(since.contains("mounted 127.0.0.1:/export"), "nothing mounted: " + since);
        client.unmanage("crash");
        awaitGone(V4_POINT);
    }

    /**
     * VDSM's own kernel NFS mount, made before the worker starts: listed as unmanaged, adopted by
     * the CID that names it (no second mount, not listed twice), gone with its directory after the
     * last unmanage.
     */
    @Test
    void vdsmsMountTakenOver() throws Exception {
        client.close();
        worker.stop();
        guest.ok("mkdir -p " + V4_POINT + " && mount -t nfs -o soft,nosharecache,timeo=100,retrans=3,nfsvers=4,minorversion=2"
                + " 127.0.0.1:/export " + V4_POINT);
        worker.start();
        client = worker.client();
        JsonNode unmanaged = unmanagedAt(V4_POINT, client.list());
        assertFalse(unmanaged.isMissingNode(), "VDSM's mount is listed as unmanaged: " + client.list());
        assertFalse(unmanaged.get("managed").asBoolean());

        client.manage("vdsm-1", V4 + "?version=4.2");
        awaitState("vdsm-1", "CONNECTED");
        assertEquals(1, mountsAt(V4_POINT).size(), "adopted: " + mountsAt(V4_POINT));
        JsonNode list = client.list();
        assertTrue(unmanagedAt(V4_POINT, list).isMissingNode(), "not also unmanaged: " + list);
        assertEquals(1, list.get("connections").size(), list.toString());
        client.unmanage("vdsm-1");
        awaitGone(V4_POINT);
    }

    /** The list's unmanaged entry whose mount point is {@code point}, or a missing node. */
    private static JsonNode unmanagedAt(String point, JsonNode list) {
        for (JsonNode entry : list.get("connections")) {
            if (!entry.path("managed").asBoolean(true) && point.equals(entry.at("/connectionInfo/mountPoint").asText())) {
                return entry;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
