package io.tether.testing.servers;

import io.tether.testing.Host;
import java.nio.file.Path;

/** tgtd serving one target with a file-backed LUN and CHAP on 127.0.0.1:3260. */
public final class TgtServer implements AutoCloseable {
    public static final String TARGET = "iqn.2026-11.io.tether:test-target";
    public static final String USER = "tetheruser";
    public static final String PASSWORD = "tether-chap-pw1";
    private final Path dir;
    private Process tgtd;

    public TgtServer(Path dir) throws Exception {
        this.dir = dir;
        Host.ok(10, "truncate", "-s", "16M", dir.resolve("lun1.img").toString());
        start();
    }

    public void start() throws Exception {
        Host.run(10, "pkill", "-KILL", "-x", "tgtd");
        tgtd = Host.spawn(dir.resolve("tgtd.log"), "tgtd", "-f");
        for (int i = 0; i < 100 && Host.run(5, "tgtadm", "--lld", "iscsi", "--op", "show", "--mode", "target").exit() != 0; i++) {
            Thread.sleep(100);
        }
        tgtadm("--op", "new", "--mode", "target", "--tid", "1", "-T", TARGET);
        tgtadm("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", dir.resolve("lun1.img").toString());
        tgtadm("--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL");
        tgtadm("--op", "new", "--mode", "account", "--user", USER, "--password", PASSWORD);
        tgtadm("--op", "bind", "--mode", "account", "--tid", "1", "--user", USER);
    }

    /** tgtd ignores SIGTERM; SIGKILL takes it down with its portal. */
    public void stop() throws InterruptedException {
        tgtd.destroyForcibly();
        tgtd.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static void tgtadm(String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "tgtadm";
        command[1] = "--lld";
        command[2] = "iscsi";
        System.arraycopy(args, 0, command, 3, args.length);
        Host.ok(30, command);
    }
}
