package io.tether.bench.routes;

import io.tether.client.TetherClient;
import io.tether.monitor.MonitorSettings;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * What {@link RouteTraceBenchmark} traces, run in a JVM of its own: a real worker (embedded broker,
 * H2) and one manage of a tmpfs mount ({@code posix://}), then a probe that finds that mount gone
 * (unmounted behind the worker's back) and records the change. {@link #begin} and {@link #end}
 * mark each route for the tracer; a warm-up manage first keeps class loading out of the trace.
 */
public final class RouteScenario {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private RouteScenario() {
    }

    /** The tracer starts recording {@code route} here. */
    public static void begin(String route) {
    }

    /** The tracer stops recording here. */
    public static void end(String route) {
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("route-trace");
        String uri = "posix://route/scratch?vfsType=tmpfs&options=size=1m";
        try (TestWorker worker = new TestWorker("route", tmp.resolve("data"),
                c -> c.withMonitor(MonitorSettings.defaults().withProbeInterval(Duration.ofSeconds(2))));
             TetherClient client = TetherClient.connect(worker.url(), null, null)) {
            client.manage("route", "warm-up", uri, WAIT);
            client.awaitConnected("route", "warm-up", WAIT);
            client.unmanage("route", "warm-up", WAIT);
            Awaitility.await().atMost(WAIT).until(() -> mountPoint(tmp).isEmpty());

            begin("manage");
            client.manage("route", "traced", uri, WAIT);
            // The route's event is published after the reply: a moment for the publisher's round.
            Thread.sleep(500);
            end("manage");
            client.awaitConnected("route", "traced", WAIT);

            String point = mountPoint(tmp);
            begin("probe");
            new ProcessBuilder("umount", point).inheritIO().start().waitFor();
            Awaitility.await().atMost(WAIT).until(() -> !"CONNECTED".equals(state(client)));
            Thread.sleep(500);
            end("probe");
            client.unmanage("route", "traced", WAIT);
            Awaitility.await().atMost(WAIT).until(() -> mountPoint(tmp).isEmpty());
        }
        System.exit(0);
    }

    private static String state(TetherClient client) throws Exception {
        return client.list("route", "traced", WAIT).connections().get("traced").state();
    }

    /** The tmpfs mount under {@code tmp}, or "" when there is none. */
    private static String mountPoint(Path tmp) throws Exception {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                .filter(f -> f[2].equals("tmpfs") && f[1].startsWith(tmp.toString())).map(f -> f[1])
                .findFirst().orElse("");
    }
}
