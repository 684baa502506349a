package io.tether.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A Linux guest with a kernel of the tests' own: Debian's kernel under QEMU's software emulation,
 * booted by {@code src/test/vm/guest.sh} on this machine's root file system (read-only, a tmpfs on
 * top), so that the tests can load nfsd, LIO and dm-multipath, which this machine's kernel lacks,
 * and run the build's own worker against them (docs/connectors.md, "Testing against a real kernel").
 *
 * <p>Commands run with {@code sh} in the guest, as root, through a directory both sides share (the
 * guest's {@code /xfer}); several may run at once. Only the guest ports given to {@link #boot} are
 * reachable, from this machine's loopback; the guest reaches nothing outside itself.
 */
public final class Guest implements AutoCloseable {
    /** How long a boot may take: seconds when the machine is idle, minutes when builds hold its cores. */
    private static final Duration BOOT_DEADLINE = Duration.ofMinutes(5);
    private static final Path SCRIPT = Path.of("src/test/vm/guest.sh");

    private final Path dir;
    private final Process qemu;
    private final Map<Integer, Integer> hostPorts;
    private final AtomicInteger commands = new AtomicInteger();

    /** What a command printed (stdout and stderr together) and its exit status. */
    public record Result(int status, String output) {
    }

    private Guest(Path dir, Process qemu, Map<Integer, Integer> hostPorts) {
        this.dir = dir;
        this.qemu = qemu;
        this.hostPorts = hostPorts;
    }

    /**
     * Boots a guest whose shared directory is {@code dir} (emptied first: a run's console and logs
     * stay there until the next) and waits until it serves commands.
     * Each of {@code guestPorts} is reached at {@link #hostPort}. Skips (or in CI fails) the test
     * when this machine cannot run one.
     */
    public static Guest boot(Path dir, int... guestPorts) throws IOException {
        Requirements.needRoot();
        Requirements.needTool("qemu-system-x86_64", "qemu-system-x86");
        Requirements.needTool("busybox", "busybox-static");
        Requirements.needTool("cpio", "cpio");
        Requirements.needTool("depmod", "kmod");
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
        Files.createDirectories(dir.resolve("cmd"));
        Map<Integer, Integer> hostPorts = new LinkedHashMap<>();
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), "qemu", dir.toAbsolutePath().toString()));
        for (int guestPort : guestPorts) {
            hostPorts.put(guestPort, freePort());
            command.add(hostPorts.get(guestPort) + ":" + guestPort);
        }
        Process qemu = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.out").toFile()).start();
        Guest guest = new Guest(dir, qemu, hostPorts);
        try {
            await().atMost(BOOT_DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!qemu.isAlive()) {
                    throw new AssertionError("QEMU exited with " + qemu.exitValue() + ": " + Files.readString(dir.resolve("qemu.out"))
                            + "; the guest's console is in " + dir.resolve("console.log"));
                }
                return Files.exists(dir.resolve("ready"));
            });
        } catch (RuntimeException | Error e) {
            guest.close();
            throw e;
        }
        return guest;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The port on this machine's 127.0.0.1 that reaches the guest's {@code guestPort}. */
    public int hostPort(int guestPort) {
        return hostPorts.get(guestPort);
    }

    /** The directory shared with the guest, which sees it as {@code /xfer}. */
    public Path shared() {
        return dir;
    }

    /** Runs {@code script} with sh in the guest and returns its status and output, waiting up to {@code timeout}. */
    public Result run(Duration timeout, String script) {
        String id = "c" + commands.incrementAndGet();
        Path cmd = dir.resolve("cmd");
        try {
            Path draft = Files.writeString(cmd.resolve(id + ".tmp"), script + "\n");
            Files.move(draft, cmd.resolve(id + ".sh"), StandardCopyOption.ATOMIC_MOVE);
            Path status = cmd.resolve(id + ".rc");
            await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!qemu.isAlive()) {
                    throw new AssertionError("the guest is gone (QEMU exited with " + qemu.exitValue() + ") while running: " + script);
                }
                return Files.exists(status);
            });
            return new Result(Integer.parseInt(Files.readString(status).trim()), Files.readString(cmd.resolve(id + ".out")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code script} (two minutes at most), insists on status 0 and returns its output. */
    public String ok(String script) {
        return ok(Duration.ofMinutes(2), script);
    }

    /** Runs {@code script} ({@code timeout} at most), insists on status 0 and returns its output. */
    public String ok(Duration timeout, String script) {
        Result result = run(timeout, script);
        if (result.status() != 0) {
            throw new AssertionError("in the guest, exit " + result.status() + ": " + script + "\n" + result.output());
        }
        return result.output();
    }

    /** Powers the guest off (QEMU is stopped: nothing in the guest needs to be kept). */
    @Override
    public void close() {
        qemu.destroy();
        try {
            if (!qemu.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                qemu.destroyForcibly();
            }
        } catch (InterruptedException e) {
            qemu.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
