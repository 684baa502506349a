package io.tether.testing.servers;

import io.tether.testing.Host;
import io.tether.testing.Requirements;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;

/** An SFTP server (gesftpserver behind socat) on 127.0.0.1 for sshfs mounts; can be killed and restarted. */
public final class SftpServer implements AutoCloseable {
    private final int port;
    private final Path log;
    private Process socat;

    public SftpServer(Path log) throws Exception {
        this.port = TestWorker.freePort();
        this.log = log;
        start();
    }

    /** Skips (or, in CI, fails) a test on a machine without what an sshfs mount of this server needs. */
    public static void needSshfs() {
        Requirements.needTool("sshfs", "sshfs");
        Requirements.needTool("socat", "socat");
        Requirements.needTool("gesftpserver", "gesftpserver");
        Requirements.need(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
    }

    public int port() {
        return port;
    }

    public void start() throws Exception {
        socat = Host.spawn(log, "socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr",
                "EXEC:/usr/libexec/gesftpserver");
        for (int i = 0; i < 50; i++) {
            if (Host.run(5, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port).exit() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("socat did not listen on " + port);
    }

    /**
     * Stops (SIGSTOP) every SFTP session the server forked, as a server that hangs: the TCP
     * connection stays, nothing answers until {@link #resume()}.
     */
    public void pause() {
        socat.descendants().forEach(p -> Host.ok(5, "kill", "-STOP", Long.toString(p.pid())));
    }

    /** Lets the sessions stopped by {@link #pause()} go on (SIGCONT). */
    public void resume() {
        socat.descendants().forEach(p -> Host.ok(5, "kill", "-CONT", Long.toString(p.pid())));
    }

    /** Kills the server and every SFTP session it forked. */
    public void kill() throws InterruptedException {
        socat.descendants().forEach(ProcessHandle::destroyForcibly);
        socat.destroyForcibly();
        socat.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
