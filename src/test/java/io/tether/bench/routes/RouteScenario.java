package io.tether.bench.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.client.TetherClient;
import io.tether.monitor.MonitorSettings;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/**
 * What {@link RouteTraceBenchmark} traces, run in a JVM of its own: a real worker (embedded broker,
 * H2) and one manage of a tmpfs mount ({@code posix://}), then a probe that finds that mount gone
 * (unmounted behind the worker's back) and records the change, and the connect that mounts it
 * again. {@link #begin} and {@link #end} mark each route for the tracer: a route ends once its last
 * event is published (the manage's; the reconnect's), so each is traced whole, however loaded the
 * machine. A warm-up manage first keeps class loading out of the trace.
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
        // The events of the host in the order published: each route ends when its last event is out.
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        try (TestWorker worker = new TestWorker("route", tmp.resolve("data"),
                c -> c.withMonitor(MonitorSettings.defaults().withProbeInterval(Duration.ofSeconds(2))));
             TetherClient client = TetherClient.connect(worker.url(), null, null);
             AutoCloseable watch = client.watchByHost("route", (host, event) -> events.add(event))) {
            client.manage("route", "warm-up", uri, WAIT);
            client.awaitConnected("route", "warm-up", WAIT);
            client.unmanage("route", "warm-up", WAIT);
            Awaitility.await().atMost(WAIT).until(() -> mountPoint(tmp).isEmpty());

            events.clear();
            begin("manage");
            client.manage("route", "traced", uri, WAIT);
            Awaitility.await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> changed(e, "traced")));
            end("manage");
            client.awaitConnected("route", "traced", WAIT);
            Awaitility.await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> state(e).equals("CONNECTED")));

            String point = mountPoint(tmp);
            events.clear();
            begin("probe");
            new ProcessBuilder("umount", point).inheritIO().start().waitFor();
            // The probe's event, then the reconnect's: the route is the failed probe and the connect after it.
            Awaitility.await().atMost(WAIT).until(() -> events.size() >= 2 && !state(events.get(0)).equals("CONNECTED")
                    && state(events.get(events.size() - 1)).equals("CONNECTED"));
            end("probe");
            client.unmanage("route", "traced", WAIT);
            Awaitility.await().atMost(WAIT).until(() -> mountPoint(tmp).isEmpty());
        }
        System.exit(0);
    }

    private static boolean changed(JsonNode event, String cid) {
        for (JsonNode id : event.path("changedIds")) {
            if (id.asText().equals(cid)) {
                return true;
            }
        }
        return false;
    }

    private static String state(JsonNode event) {
        return event.path("state").asText();
    }

    /** The tmpfs mount under {@code tmp}, or "" when there is none. */
    private static String mountPoint(Path tmp) throws Exception {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                .filter(f -> f[2].equals("tmpfs") && f[1].startsWith(tmp.toString())).map(f -> f[1])
                .findFirst().orElse("");
    }
}
