package io.tether.connector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.Host;
import io.tether.testing.HostResource;
import io.tether.testing.RawClient;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.testing.servers.GlusterServer;
import io.tether.testing.servers.SftpServer;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FUSE mount outlives the worker that made it (docs/connectors.md, "Helpers outlive the worker"):
 * a real worker process, leader of its own process group as a service manager or a shell starts
 * it, mounts a GlusterFS volume and an sshfs export whose ssh (socat standing in for it, started by
 * sshfs before it daemonises, as ssh is) would be in the worker's process group if mount ran there.
 * {@code kill -9} of that whole group leaves both mounts readable; the next worker adopts them:
 * no second mount, and one event each, the adoption's STATE CONNECTED.
 */
@HostResource("glusterd")
class FuseRestartIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String HOST_ID = "fuse";

    @TempDir
    Path tmp;

    @Test
    void glusterAndSshfsMountsSurviveKillNineOfTheWorkersGroupAndAreAdopted() throws Exception {
        Requirements.needRoot();
        SftpServer.needSshfs();
        Requirements.needTool("glusterd", "glusterfs-server");
        Requirements.needTool("mount.glusterfs", "glusterfs-client");
        Path mountRoot = Files.createDirectories(tmp.resolve("mnt"));
        Path exported = Files.createDirectories(tmp.resolve("sftp"));
        Path data = tmp.resolve("data");
        int port = TestWorker.freePort();
        try (GlusterServer gluster = new GlusterServer(Files.createDirectories(tmp.resolve("gluster")));
             SftpServer sftp = new SftpServer(tmp.resolve("sftp.log"))) {
            // sshfs runs its ssh_command as it runs ssh: a child it starts before it daemonises.
            Path ssh = Files.writeString(tmp.resolve("ssh.sh"), "#!/bin/sh\nexec socat STDIO TCP:127.0.0.1:" + sftp.port() + "\n");
            Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
            String glusterUri = "glusterfs://" + GlusterServer.HOST + "/" + gluster.volume();
            String sshfsUri = "posix://" + GlusterServer.HOST + exported + "?vfsType=fuse.sshfs&options=ssh_command="
                    + ssh.toString().replace("/", "%2F");
            Map<String, String> keys = Map.of("gluster", UriParser.parse(glusterUri).key().toString(),
                    "sshfs", UriParser.parse(sshfsUri).key().toString());
            Map<String, Path> points = Map.of("gluster", MountPaths.mountPoint(mountRoot, UriParser.parse(glusterUri)),
                    "sshfs", MountPaths.mountPoint(mountRoot, UriParser.parse(sshfsUri)));
            try (WorkerProcess worker = new WorkerProcess(HOST_ID, data, port, tmp.resolve("worker.log"))
                    .withOptions("--mount-root", mountRoot.toString(), "--probe-interval", "1",
                            "--allow-vfs-type", "fuse.sshfs", "--allow-mount-option", "fuse.sshfs:ssh_command")
                    .inOwnGroup().start()) {
                long seqBefore;
                try (RawClient client = new RawClient(TestWorker.engineUrl(port, data), HOST_ID)) {
                    manage(client, "gluster-1", glusterUri);
                    manage(client, "sshfs-1", sshfsUri);
                    for (String key : keys.values()) {
                        client.awaitEvent(key, "STATE", "CONNECTED", 0, WAIT);
                    }
                    for (String name : List.of("gluster", "sshfs")) {
                        Files.writeString(points.get(name).resolve("written-before"), name);
                    }
                    seqBefore = client.list().get("seq").asLong();
                }
                // Without reconnect, sshfs has no second transport: the one it started must live on.
                assertEquals(List.of(), helpersIn(worker.pid()), "helpers in the worker's process group or session");

                assertEquals(137, worker.killGroup(), "the worker died of SIGKILL");
                for (String name : List.of("gluster", "sshfs")) {
                    assertEquals(name, readThrough(points.get(name)), name + " is readable with no worker");
                }

                worker.start();
                try (RawClient client = new RawClient(TestWorker.engineUrl(port, data), HOST_ID)) {
                    JsonNode list = await().atMost(WAIT).ignoreExceptions().until(client::list, l -> l.get("connections").size() == 2
                            && "CONNECTED".equals(l.at("/connections/gluster-1/state").asText())
                            && "CONNECTED".equals(l.at("/connections/sshfs-1/state").asText()));
                    // Each connection went from its state before the kill to CONNECTED in one event
                    // (an event is the only way its state changes), and the host published no other.
                    assertEquals(seqBefore + 2, list.get("seq").asLong(), "one event per connection: " + list);
                    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                            .until(() -> client.list().get("seq").asLong() == seqBefore + 2);
                    // Events up to seqBefore may come again (the outbox is published at least once,
                    // and a kill -9 can come before it was trimmed); the new ones are adoptions only.
                    for (String key : keys.values()) {
                        assertTrue(client.eventsFor(key).stream().filter(e -> e.get("seq").asLong() > seqBefore)
                                .allMatch(e -> e.get("state").asText().equals("CONNECTED")), client.events.toString());
                    }
                    for (String name : List.of("gluster", "sshfs")) {
                        assertEquals(1, Host.mountCount(points.get(name)), name + " adopted, not mounted again");
                        assertEquals(name, readThrough(points.get(name)));
                    }
                    client.unmanage("gluster-1");
                    client.unmanage("sshfs-1");
                    await().atMost(WAIT).until(() -> points.values().stream().noneMatch(Host::mounted));
                }
            } finally {
                Host.unmountAllUnder(mountRoot);
            }
        }
    }

    /** The FUSE helpers (and sshfs's transport) whose process group or session is {@code leader}'s. */
    private static List<String> helpersIn(long leader) throws Exception {
        List<String> found = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(proc.resolve("stat"));
                } catch (java.io.IOException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                boolean ours = Long.parseLong(f[2]) == leader || Long.parseLong(f[3]) == leader;
                if (ours && name.matches("socat|glusterfs|sshfs|mount.fuse.*")) {
                    found.add(name + " " + proc.getFileName());
                }
            }
        }
        return found;
    }

    /** A manage whose reply may be slow: the worker's first request on a loaded machine (2 cores shared). */
    private static void manage(RawClient client, String cid, String uri) throws Exception {
        String reply = client.send(JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", 1)
                .put("method", "manageStorageServer").set("params", JsonRpc.MAPPER.createObjectNode()
                        .put("connectionId", cid).put("uri", uri)).toString(), WAIT.toMillis());
        assertTrue(reply != null && reply.contains("\"result\""), cid + ": " + reply);
    }

    /** The file written before the kill, read in a child bounded in time (a dead FUSE mount can hang a read). */
    private static String readThrough(Path mountPoint) {
        Host.Ran ran = Host.run(20, "cat", mountPoint.resolve("written-before").toString());
        assertEquals(0, ran.exit(), mountPoint + ": " + ran.output());
        return ran.output().strip();
    }
}
