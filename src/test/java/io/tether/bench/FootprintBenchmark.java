package io.tether.bench;


import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.testing.servers.StandaloneArtemis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a worker costs its host, read from /proc as an operator's tools read it: resident memory
 * (VmRSS of /proc/PID/status) and CPU (utime + stime of /proc/PID/stat) of a real worker process
 * started from the jar ({@code mvn -q -B package -DskipTests} first), and the wall time of a CLI
 * command. The worker's JVM options are {@code -Dbench.workerJvm} (space separated; default none,
 * the JVM's own defaults), the CLI's {@code -Dbench.cliJvm}; or {@code -Dbench.launcher=PATH} runs
 * both through the package's launcher ({@code src/main/packaging/tether}) with its options, its
 * environment and its class-data archive (made by the first CLI run, which is reported apart). Targets (issue 18): idle, embedded
 * broker, no CIDs: 128 MiB and 0.2% of a core over 60 s; 1,000 CIDs on 100 file:// connections
 * probed every 10 s: 160 MiB; worker on a remote broker (a standalone Artemis as in the many-host
 * tests, {@code mvn verify} unpacks it): 96 MiB; {@code tether list}: 0.5 s, median of 10.
 */
class FootprintBenchmark {
    private static final long TICKS_PER_SECOND = 100;

    @TempDir
    Path tmp;

    private static List<String> jvm(String property) {
        String value = System.getProperty(property, "").strip();
        return value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+"));
    }

    private static final String LAUNCHER = System.getProperty("bench.launcher", "");

    private static WorkerProcess worker(Path data, int port, Path log) throws java.io.IOException {
        // Metrics and health on, as a worker runs by default (on 127.0.0.1:9464; here a free port).
        WorkerProcess worker = new WorkerProcess("bench", data, port, log)
                .withOptions("--http-address", "127.0.0.1:" + TestWorker.freePort());
        return LAUNCHER.isEmpty() ? worker.withJvmOptions(jvm("bench.workerJvm")) : worker.throughLauncher(Path.of(LAUNCHER));
    }

    @Test
    void footprint() throws Exception {
        System.out.println("FootprintBenchmark on " + Machine.describe() + "; " + (LAUNCHER.isEmpty()
                ? "worker JVM " + jvm("bench.workerJvm") + ", CLI JVM " + jvm("bench.cliJvm") : "through " + LAUNCHER));
        int idleSeconds = Integer.getInteger("bench.idleSeconds", 60);
        Path data = tmp.resolve("idle");
        int port = TestWorker.freePort();
        try (WorkerProcess worker = worker(data, port, tmp.resolve("idle.log")).start()) {
            idle(worker, "embedded broker", idleSeconds);

            if (!LAUNCHER.isEmpty()) {
                System.out.printf("footprint: first tether list (makes the class-data archive): %.2f s%n",
                        cli(data, "list", "--broker=amqp://127.0.0.1:" + port, "--host", "bench"));
            }
            List<Double> walls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                walls.add(cli(data, "list", "--broker=amqp://127.0.0.1:" + port, "--host", "bench"));
            }
            walls.sort(null);
            System.out.printf("footprint: tether list against a running worker: median %.2f s (min %.2f, max %.2f) of 10%n",
                    (walls.get(4) + walls.get(5)) / 2, walls.get(0), walls.get(9));
        }

        Path busy = tmp.resolve("busy");
        Seed.cids(busy, tmp.resolve("storage"), 1000, 100);
        try (WorkerProcess worker = worker(busy, TestWorker.freePort(), tmp.resolve("busy.log")).start()) {
            // Several rounds of probes of every connection (every 10 s) before reading.
            Thread.sleep(idleSeconds * 1000L);
            System.out.printf("footprint: 1,000 CIDs on 100 file:// connections probed every 10 s: RSS %.1f MiB%n",
                    rssMiB(worker.pid()));
        }

        try (StandaloneArtemis broker = new StandaloneArtemis(tmp.resolve("remote"), "bench");
             WorkerProcess worker = worker(tmp.resolve("remote-data"), TestWorker.freePort(), tmp.resolve("remote.log"))
                     .withOptions("--broker-url", broker.url(), "--broker-user", broker.hostLogin("bench").user(),
                             "--broker-password-file", broker.hostPasswordFile("bench").toString()).start()) {
            idle(worker, "remote broker", idleSeconds);
        }
    }

    /** Prints the RSS and CPU of an idle worker over {@code idleSeconds}, after 10 s of start-up. */
    private static void idle(WorkerProcess worker, String broker, int idleSeconds) throws Exception {
        // Start-up work (class loading, JIT, the broker's first journal files) is not idling.
        Thread.sleep(10_000);
        long ticks = cpuTicks(worker.pid());
        long started = System.nanoTime();
        Thread.sleep(idleSeconds * 1000L);
        double seconds = (System.nanoTime() - started) / 1e9;
        double cpu = (cpuTicks(worker.pid()) - ticks) / (double) TICKS_PER_SECOND / seconds * 100;
        System.out.printf("footprint: idle, %s, no CIDs: RSS %.1f MiB, CPU %.2f%% of a core over %.0f s%n",
                broker, rssMiB(worker.pid()), cpu, seconds);
    }

    /** Wall time of one {@code tether ARGS} run, in seconds; it must succeed. */
    private double cli(Path data, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        if (LAUNCHER.isEmpty()) {
            command.add(WorkerProcess.java());
            command.addAll(jvm("bench.cliJvm"));
            command.addAll(List.of("-jar", WorkerProcess.jar().toString()));
        } else {
            command.addAll(List.of("sh", LAUNCHER));
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("TETHER_DATA_DIR", data.toString());
        builder.environment().put("TETHER_JAR", WorkerProcess.jar().toAbsolutePath().toString());
        builder.environment().put("TETHER_CACHE_DIR", Files.createDirectories(tmp.resolve("cache")).toString());
        long started = System.nanoTime();
        Process p = builder.start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("tether " + String.join(" ", args) + " failed or hung");
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private static double rssMiB(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("\\D", "")))
                .findFirst().orElseThrow() / 1024.0;
    }

    /** utime + stime (fields 14 and 15) of /proc/PID/stat, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
