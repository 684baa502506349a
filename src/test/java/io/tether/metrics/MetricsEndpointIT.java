package io.tether.metrics;

import static io.tether.testing.Http.get;
import static io.tether.testing.Http.sample;
import static io.tether.testing.Http.send;
import static io.tether.testing.Http.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.http.HttpAddress;
import io.tether.testing.Http;
import io.tether.testing.RawClient;
import io.tether.testing.Secrets;
import io.tether.testing.TestWorker;
import io.tether.worker.Worker;
import io.tether.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real worker's /metrics, /livez and /readyz, as a scraper and an operator's curl see them. */
class MetricsEndpointIT {
    @TempDir
    Path tmp;

    @Test
    void everyMetricHasTheValueOfWhatHappened() throws Exception {
        try (TestWorker worker = new TestWorker("metrics", tmp.resolve("data"), TestWorker::withHttp);
             RawClient client = new RawClient(worker.url(), "metrics")) {
            String up = "file://" + Files.createDirectories(tmp.resolve("up"));
            String upKey = client.manage("a-1", up).at("/result/connectionKey").asText();
            client.manage("a-2", up);
            String downKey = client.manage("b-1", "file://" + tmp.resolve("missing")).at("/result/connectionKey").asText();
            assertEquals("CID_NOT_FOUND", client.unmanage("nobody").at("/error/data/name").asText());
            client.list();
            assertEquals("METHOD_NOT_FOUND", client.call("noSuchMethod", "{}").at("/error/data/name").asText());

            String metrics = await().atMost(Duration.ofSeconds(20)).until(() -> get(worker.httpUrl() + "/metrics").body(),
                    text -> sample(text, "tether_connection_state", "connection", downKey, "state", "DISCONNECTED").orElse(0) == 1
                            && sample(text, "tether_connection_state", "connection", upKey, "state", "CONNECTED").orElse(0) == 1
                            && sample(text, "tether_connection_delay_seconds", "connection", upKey).isPresent()
                            && sample(text, "tether_event_outbox").orElse(-1) == 0);

            assertEquals(3, value(metrics, "tether_cids"));
            for (String type : new String[] {"nfs", "iscsi", "glusterfs", "posix", "file"}) {
                for (String state : new String[] {"CONNECTING", "CONNECTED", "DISCONNECTED"}) {
                    double expected = type.equals("file") && !state.equals("CONNECTING") ? 1 : 0;
                    assertEquals(expected, value(metrics, "tether_connections", "type", type, "state", state), type + " " + state);
                }
            }
            assertEquals(0, value(metrics, "tether_connection_state", "connection", upKey, "type", "file", "state", "CONNECTING"));
            assertEquals(0, value(metrics, "tether_connection_state", "connection", upKey, "state", "DISCONNECTED"));
            assertEquals(0, value(metrics, "tether_connection_state", "connection", downKey, "state", "CONNECTED"));
            assertEquals(1, value(metrics, "tether_connection_health", "connection", upKey, "type", "file", "status", "OK"));
            assertEquals(0, value(metrics, "tether_connection_health", "connection", upKey, "status", "DEGRADED"));
            assertEquals(1, value(metrics, "tether_connection_health", "connection", downKey, "status", "DEGRADED"));
            double delay = value(metrics, "tether_connection_delay_seconds", "connection", upKey, "type", "file");
            assertTrue(delay >= 0 && delay < 10, "the last probe's duration: " + delay);

            assertEquals(3, value(metrics, "tether_requests_total", "method", "manageStorageServer", "outcome", "ok"));
            assertEquals(1, value(metrics, "tether_requests_total", "method", "unmanageStorageServer", "outcome", "CID_NOT_FOUND"));
            assertEquals(0, value(metrics, "tether_requests_total", "method", "unmanageStorageServer", "outcome", "ok"));
            assertEquals(1, value(metrics, "tether_requests_total", "method", "getStorageServerList", "outcome", "ok"));
            assertEquals(1, value(metrics, "tether_requests_total", "method", "invalid", "outcome", "METHOD_NOT_FOUND"));
            assertEquals(3, value(metrics, "tether_request_duration_seconds_count", "method", "manageStorageServer"));
            assertEquals(3, value(metrics, "tether_request_duration_seconds_bucket", "method", "manageStorageServer", "le", "+Inf"));
            double manageSeconds = value(metrics, "tether_request_duration_seconds_sum", "method", "manageStorageServer");
            assertTrue(manageSeconds > 0 && manageSeconds < 10, "time from arrival to reply: " + manageSeconds);

            assertTrue(value(metrics, "tether_probe_duration_seconds_count", "type", "file") >= 2, metrics);
            assertTrue(value(metrics, "tether_probe_failures_total", "type", "file", "code", "453") >= 1,
                    "the missing directory's probe failed with VDSM's StorageServerValidationError");
            assertTrue(value(metrics, "tether_connects_total", "type", "file", "outcome", "failed") >= 1);
            // The directory that is there was found up by its first probe: it came up, as a connect's would.
            assertEquals(1, value(metrics, "tether_connects_total", "type", "file", "outcome", "ok"));
            assertEquals(2, value(metrics, "tether_cids_by_state", "state", "CONNECTED"));
            assertEquals(1, value(metrics, "tether_cids_by_state", "state", "DISCONNECTED"));
            assertEquals(0, value(metrics, "tether_connection_failures_in_a_row", "connection", upKey, "type", "file"));
            assertTrue(value(metrics, "tether_connection_failures_in_a_row", "connection", downKey) >= 1);
            double changed = value(metrics, "tether_connection_state_changed_timestamp_seconds", "connection", upKey);
            assertTrue(Math.abs(changed - System.currentTimeMillis() / 1000.0) < 600, "when it came up: " + changed);
            assertEquals(0, value(metrics, "tether_connects_total", "type", "nfs", "outcome", "ok"));
            // Two MANAGED events: a-1 and a-2 arrived in one batch or two.
            assertTrue(value(metrics, "tether_events_published_total", "change", "MANAGED") >= 2);
            assertTrue(value(metrics, "tether_events_published_total", "change", "STATE") >= 2,
                    "CONNECTED for one, DISCONNECTED for the other");
            assertTrue(value(metrics, "tether_store_commit_duration_seconds_count") >= 3);

            assertEquals(1, value(metrics, "tether_worker_info", "host", "metrics", "version", BuildInfo.current().version(),
                    "revision", BuildInfo.current().revision()));
            for (String check : new String[] {"store", "broker", "consumer"}) {
                assertEquals(1, value(metrics, "tether_readiness_check", "check", check));
            }
            // The JVM's and the process's standard metrics.
            for (String name : new String[] {"jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds_count",
                    "process_cpu_seconds_total", "process_open_fds", "process_start_time_seconds"}) {
                assertTrue(metrics.contains("\n" + name), name + " is missing");
            }

            // An unmanaged connection leaves the gauges once disconnected.
            client.unmanage("b-1");
            String after = await().atMost(Duration.ofSeconds(10)).until(() -> get(worker.httpUrl() + "/metrics").body(),
                    text -> sample(text, "tether_connection_state", "connection", downKey, "state", "DISCONNECTED").isEmpty());
            assertEquals(2, value(after, "tether_cids"));
            assertEquals(1, value(after, "tether_connections", "type", "file", "state", "CONNECTED"));
            assertEquals(0, value(after, "tether_connections", "type", "file", "state", "DISCONNECTED"));
        }
    }

    /**
     * /metrics in both formats, with every metric name the alert rules, the dashboard and
     * docs/metrics.md use;
     * /livez and /readyz as JSON; 404 for any other path and 405 for any other method.
     */
    @Test
    void servesItsThreePathsToGetOnly() throws Exception {
        Set<String> used = new TreeSet<>();
        Matcher names = Pattern.compile("\\b(tether_[a-z_]+)").matcher(Files.readString(Path.of("docs/prometheus/tether-rules.yml"))
                + Files.readString(Path.of("docs/metrics.md")) + Files.readString(PrometheusIT.DASHBOARD));
        while (names.find()) {
            used.add(names.group(1));
        }
        assertTrue(used.size() >= 10, used.toString());
        try (TestWorker worker = new TestWorker("paths", tmp.resolve("data"), TestWorker::withHttp);
             RawClient client = new RawClient(worker.url(), "paths")) {
            // A connection up and one down, so that the per-connection gauge and the failures have samples.
            client.manage("p-1", "file://" + tmp);
            client.manage("p-2", "file://" + tmp.resolve("missing"));
            String base = worker.httpUrl();
            Http.Response plain = await().atMost(Duration.ofSeconds(20)).until(() -> get(base + "/metrics"),
                    r -> used.stream().allMatch(name -> served(r.body(), name)));
            assertEquals(200, plain.statusCode());
            assertTrue(plain.header("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"),
                    plain.headerMap().toString());
            assertFalse(plain.body().contains("# EOF"));

            Http.Response open = get(base + "/metrics", "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertEquals(200, open.statusCode());
            assertTrue(open.header("Content-Type").orElseThrow().startsWith("application/openmetrics-text"),
                    open.headerMap().toString());
            assertTrue(open.body().endsWith("# EOF\n"), "an OpenMetrics exposition ends with # EOF");
            assertTrue(open.body().contains("# TYPE tether_worker info"), "OpenMetrics has an info type");

            Http.Response live = get(base + "/livez");
            assertEquals(200, live.statusCode(), live.body());
            assertEquals("application/json", live.header("Content-Type").orElseThrow());
            JsonNode liveness = JsonRpc.MAPPER.readTree(live.body());
            assertEquals("ok", liveness.get("status").asText());
            assertEquals(Set.of("requests", "monitor", "events"), fieldNames(liveness.get("checks")));
            Http.Response ready = get(base + "/readyz");
            assertEquals(200, ready.statusCode(), ready.body());
            JsonNode readiness = JsonRpc.MAPPER.readTree(ready.body());
            assertEquals(Set.of("store", "broker", "consumer"), fieldNames(readiness.get("checks")));
            assertEquals(0, readiness.get("failed").size());

            for (String path : new String[] {"/", "/metrics/", "/metricsx", "/healthz", "/-/healthy", "/livez/x"}) {
                assertEquals(404, get(base + path).statusCode(), path);
            }
            for (String method : new String[] {"POST", "PUT", "DELETE", "HEAD"}) {
                for (String path : new String[] {"/metrics", "/livez", "/readyz"}) {
                    Http.Response refused = send(method, base + path);
                    assertEquals(405, refused.statusCode(), method + " " + path);
                    assertEquals("GET", refused.header("Allow").orElse(""), method + " " + path);
                }
            }
        }
    }

    /**
     * Clients that connect and send nothing, or half a request, hold no thread: a scrape is answered
     * while they wait, and each is closed once idle too long. A request under a name that is not
     * this machine's loopback (a page of another site that points its own name at 127.0.0.1) gets
     * nothing.
     */
    @Test
    void slowOrSilentClientsStopNoScrapeAndForeignNamesAreRefused() throws Exception {
        try (TestWorker worker = new TestWorker("slow-clients", tmp.resolve("data"), TestWorker::withHttp)) {
            int port = worker.worker().httpPort();
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    held.add(new Socket("127.0.0.1", port));
                }
                for (int i = 0; i < 20; i++) {
                    Socket half = new Socket("127.0.0.1", port);
                    half.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Slow: ")
                            .getBytes(StandardCharsets.US_ASCII));
                    held.add(half);
                }
                assertEquals(200, get(worker.httpUrl() + "/metrics").statusCode());
                assertEquals(200, get(worker.httpUrl() + "/readyz").statusCode());
                assertEquals(200, get(worker.httpUrl() + "/livez").statusCode());

                // A half-sent request that goes on now is answered: it was waited for, not given up on.
                Socket last = held.get(held.size() - 1);
                last.getOutputStream().write("1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("HTTP/1.1 200 OK", statusLine(last));

                // The silent and the half-sent ones are closed once idle too long: nobody keeps one.
                for (Socket socket : List.of(held.get(0), held.get(20))) {
                    socket.setSoTimeout((int) Duration.ofSeconds(120).toMillis());
                    assertEquals(-1, drain(socket.getInputStream()), "closed by the worker");
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }

            assertTrue(statusLine(port, "/metrics", "evil.example:" + port).startsWith("HTTP/1.1 421 "));
            assertTrue(statusLine(port, "/readyz", "evil.example").startsWith("HTTP/1.1 421 "));
            assertTrue(statusLine(port, "/livez", "").startsWith("HTTP/1.1 4"), "no name is not a loopback name either");
            for (String name : List.of("localhost:" + port, "127.0.0.1:" + port, "127.0.0.1", "[::1]:" + port, "LOCALHOST")) {
                assertTrue(statusLine(port, "/metrics", name).startsWith("HTTP/1.1 200 "), name);
            }
        }
    }

    /** The status line of a GET of {@code path} with the Host header given. */
    private static String statusLine(int port, String path, String host) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return statusLine(socket);
        }
    }

    private static String statusLine(Socket socket) throws Exception {
        socket.setSoTimeout(30_000);
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    /** Reads to the end; returns the last read's result (-1 at the end). */
    private static int drain(InputStream in) throws Exception {
        byte[] bytes = new byte[8192];
        int n;
        while ((n = in.read(bytes)) > 0) {
            // what the worker sent before it closed
        }
        return n;
    }

    @Test
    void theDefaultAddressIsLoopbackAndATakenPortStopsTheStart() throws Exception {
        HttpAddress defaults = HttpAddress.parse("--http-address", HttpAddress.DEFAULT).orElseThrow();
        assertTrue(InetAddress.getByName(defaults.host()).isLoopbackAddress());
        assertEquals(9464, defaults.port());
        assertTrue(HttpAddress.parse("--http-address", "off").isEmpty());
        assertEquals(new HttpAddress("::1", 9100), HttpAddress.parse("--http-address", "[::1]:9100").orElseThrow());
        IllegalArgumentException noPort = assertThrows(IllegalArgumentException.class,
                () -> HttpAddress.parse("--http-address", "localhost"));
        assertEquals("--http-address localhost: give HOST:PORT (e.g. 127.0.0.1:9464) or off", noPort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HttpAddress.parse("--http-address", "127.0.0.1:http"));
        assertThrows(IllegalArgumentException.class, () -> HttpAddress.parse("--http-address", "127.0.0.1:70000"));

        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            WorkerConfig config = WorkerConfig.embedded("taken", tmp.resolve("data"), TestWorker.freePort())
                    .withHttpAddress(new HttpAddress("127.0.0.1", squatter.getLocalPort()));
            Worker.StartException e = assertThrows(Worker.StartException.class, () -> Worker.start(config).close());
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + squatter.getLocalPort() + " (--http-address)"),
                    e.getMessage());
        }
    }

    /** Labels carry connection keys, which hold no credential: a scrape never shows a CHAP password or a secret option. */
    @Test
    void noCredentialInAnyLabel() throws Exception {
        try (TestWorker worker = new TestWorker("secrets", tmp.resolve("data"), TestWorker::withHttp);
             RawClient client = new RawClient(worker.url(), "secrets")) {
            String iscsiKey = client.manage("chap-1", Secrets.ISCSI_URI).at("/result/connectionKey").asText();
            String posixKey = client.manage("cifs-1", Secrets.CIFS_URI).at("/result/connectionKey").asText();
            String metrics = await().atMost(Duration.ofSeconds(20)).until(() -> get(worker.httpUrl() + "/metrics").body(),
                    text -> text.contains("connection=\"" + iscsiKey + "\"") && text.contains("connection=\"" + posixKey + "\"")
                            && sample(text, "tether_connects_total", "type", "iscsi", "outcome", "failed").orElse(0) >= 1);
            assertFalse(metrics.contains(Secrets.CHAP), "the CHAP password is in a scrape");
            assertFalse(metrics.contains(Secrets.MOUNT), "the secret mount option is in a scrape");
            String open = get(worker.httpUrl() + "/metrics", "Accept", "application/openmetrics-text; version=1.0.0").body();
            assertFalse(open.contains(Secrets.CHAP) || open.contains(Secrets.MOUNT), "a secret is in the OpenMetrics scrape");
        }
    }

    /** A sample of {@code name} in the exposition, or for a histogram's or counter's name, its type line. */
    private static boolean served(String exposition, String name) {
        return exposition.contains("\n" + name + "{") || exposition.contains("\n" + name + " ")
                || exposition.contains("# TYPE " + name + " ");
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
