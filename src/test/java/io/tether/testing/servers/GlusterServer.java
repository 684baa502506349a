package io.tether.testing.servers;

import io.tether.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A one-brick GlusterFS volume served by glusterd on this machine. Gluster refuses 127.0.0.1 as a
 * brick host, so the brick lives on {@link #HOST}, an /etc/hosts alias of 127.0.0.1.
 */
public final class GlusterServer implements AutoCloseable {
    public static final String HOST = "tether-storage";
    private final String volume = "tv" + UUID.randomUUID().toString().substring(0, 8);
    private final boolean startedGlusterd;

    public GlusterServer(Path dir) throws Exception {
        ensureHostAlias();
        startedGlusterd = Host.run(10, "pgrep", "-x", "glusterd").exit() != 0;
        if (startedGlusterd) {
            Host.ok(30, "glusterd", "-p", "/run/glusterd.pid");
        }
        Path brick = Files.createDirectories(dir.resolve("brick-" + volume));
        waitForGlusterd();
        Host.ok(60, "gluster", "--mode=script", "volume", "create", volume, HOST + ":" + brick, "force");
        Host.ok(60, "gluster", "--mode=script", "volume", "set", volume, "network.ping-timeout", "5");
        Host.ok(60, "gluster", "--mode=script", "volume", "start", volume);
    }

    public String volume() {
        return volume;
    }

    /** Kills the brick process: I/O on mounts fails with ENOTCONN. Returns once glusterd sees it offline. */
    public void killBrick() throws InterruptedException {
        Host.run(10, "pkill", "-KILL", "-f", "glusterfsd.*" + volume);
        // glusterd notices a dead brick a moment later; "start force" before that is a no-op.
        awaitBrickOnline(false, 30);
    }

    /** Starts the killed brick again; mounts recover by themselves. */
    public void restartBrick() throws InterruptedException {
        for (int attempt = 0; attempt < 5; attempt++) {
            Host.ok(60, "gluster", "--mode=script", "volume", "start", volume, "force");
            if (awaitBrickOnline(true, 10)) {
                return;
            }
        }
        throw new IllegalStateException("brick of " + volume + " did not come back: " + status());
    }

    private boolean awaitBrickOnline(boolean online, int seconds) throws InterruptedException {
        for (int i = 0; i < seconds * 5; i++) {
            if (brickOnline() == online) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** The brick node's status in gluster's XML status (the text form wraps long brick paths). */
    private boolean brickOnline() {
        String xml = Host.run(30, "gluster", "--mode=script", "volume", "status", volume, "--xml").output();
        int node = xml.indexOf("<node>");
        return node >= 0 && xml.indexOf("<status>1</status>", node) == xml.indexOf("<status>", node);
    }

    private String status() {
        return Host.run(30, "gluster", "--mode=script", "volume", "status", volume).output();
    }

    /** SIGSTOP or SIGCONT the brick: stopped, it hangs I/O until the ping timeout. */
    public void signalBrick(String signal) {
        Host.run(10, "pkill", "-" + signal, "-f", "glusterfsd.*" + volume);
    }

    @Override
    public void close() {
        signalBrick("CONT");
        Host.run(60, "gluster", "--mode=script", "volume", "stop", volume, "force");
        Host.run(60, "gluster", "--mode=script", "volume", "delete", volume);
        if (startedGlusterd) {
            Host.run(10, "pkill", "-x", "glusterd");
        }
    }

    private static void waitForGlusterd() throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (Host.run(10, "gluster", "--mode=script", "volume", "list").exit() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("glusterd did not answer within 10 s");
    }

    /** Makes {@link #HOST} a name of 127.0.0.1 in /etc/hosts, for any server a test reaches by name. */
    public static void ensureHostAlias() throws Exception {
        Path hosts = Path.of("/etc/hosts");
        if (!Files.readString(hosts).contains(" " + HOST)) {
            Files.writeString(hosts, "127.0.0.1 " + HOST + "\n", java.nio.file.StandardOpenOption.APPEND);
        }
    }
}
