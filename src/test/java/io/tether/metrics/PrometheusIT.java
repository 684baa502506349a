package io.tether.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import at.favre.lib.crypto.bcrypt.BCrypt;
import io.tether.api.JsonRpc;
import io.tether.http.WebConfig;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.testing.Http;
import io.tether.testing.RawClient;
import io.tether.testing.Requirements;
import io.tether.testing.SelfSignedTls;
import io.tether.testing.TestWorker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server scrapes a real worker every second with the alert rules of
 * docs/prometheus loaded (their {@code for:} shortened to seconds): a {@code file://} target taken
 * away shows as DISCONNECTED in Prometheus and its TetherConnectionDown alert fires, naming the host
 * and the connection, and every panel of the Grafana dashboard shows data; the target back, the
 * state is CONNECTED and the alert resolves. A worker guarded by a web config file is scraped over
 * HTTPS with a login.
 */
class PrometheusIT {
    static final Path DASHBOARD = Path.of("docs/prometheus/tether-dashboard.json");
    @TempDir
    Path tmp;
    private Process prometheus;

    @AfterEach
    void stopPrometheus() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor();
        }
    }

    @Test
    void aConnectionGoesDownAlertsAndResolves() throws Exception {
        Requirements.needTool("prometheus", "prometheus");
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        MonitorSettings fast = MonitorSettings.defaults().withProbeInterval(Duration.ofMillis(500))
                .withRetry(new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(1), 2.0, 0.2));
        try (TestWorker worker = new TestWorker("prom-h1", tmp.resolve("data"), c -> TestWorker.withHttp(c).withMonitor(fast));
             RawClient client = new RawClient(worker.url(), "prom-h1")) {
            String prometheusUrl = startPrometheus(worker.worker().httpPort());
            String key = client.manage("prom-1", "file://" + storage).at("/result/connectionKey").asText();
            client.manage("prom-2", "file://" + storage);
            awaitQuery(prometheusUrl, "tether_connection_state{connection=\"" + key + "\",state=\"CONNECTED\"} == 1");
            assertEquals("2", awaitQuery(prometheusUrl, "tether_cids == 2").get(0).at("/value/1").asText());

            Path away = Files.move(storage, tmp.resolve("storage-away"));
            List<JsonNode> down = awaitQuery(prometheusUrl,
                    "tether_connection_state{connection=\"" + key + "\",state=\"DISCONNECTED\"} == 1");
            assertEquals("file", down.get(0).at("/metric/type").asText());
            JsonNode alert = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> connectionDownAlert(prometheusUrl, key), a -> a != null && a.get("state").asText().equals("firing"));
            assertEquals("prom-h1", alert.at("/labels/host").asText());
            assertEquals("critical", alert.at("/labels/severity").asText());
            assertEquals("Host prom-h1 cannot reach storage " + key, alert.at("/annotations/summary").asText());
            // The query docs/metrics.md gives for "which hosts cannot reach storage X".
            List<JsonNode> hosts = query(prometheusUrl, "(tether_connection_state{connection=\"" + key
                    + "\", state=\"DISCONNECTED\"} == 1) * on (instance) group_left (host) tether_worker_info");
            assertEquals(List.of("prom-h1"), hosts.stream().map(h -> h.at("/metric/host").asText()).toList());
            // While one connection is down and the other up, every panel of the Grafana dashboard has data.
            everyDashboardPanelHasData(prometheusUrl, "prom-h1");

            Files.move(away, storage);
            awaitQuery(prometheusUrl, "tether_connection_state{connection=\"" + key + "\",state=\"CONNECTED\"} == 1");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> connectionDownAlert(prometheusUrl, key) == null);
            assertTrue(query(prometheusUrl, "ALERTS{alertname=\"TetherConnectionDown\"}").isEmpty(), "the alert resolved");
        }
    }

    /**
     * A worker with a web config file (its certificate, a bcrypt login) is scraped by Prometheus
     * over HTTPS with that login; a job without the login is refused (401) and shows down.
     */
    @Test
    void prometheusScrapesOverHttpsWithALogin() throws Exception {
        Requirements.needTool("prometheus", "prometheus");
        SelfSignedTls tls = SelfSignedTls.make(tmp);
        Path web = Files.writeString(tmp.resolve("web.yml"), """
                tls_server_config:
                  cert_file: metrics.crt
                  key_file: metrics.key
                basic_auth_users:
                  prometheus: %s
                """.formatted(BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, "scrape-secret".toCharArray())));
        Files.writeString(tmp.resolve("scrape.password"), "scrape-secret\n");
        try (TestWorker worker = new TestWorker("prom-tls", tmp.resolve("data"),
                c -> TestWorker.withHttp(c).withWebConfig(readWebConfig(web)))) {
            String target = "127.0.0.1:" + worker.worker().httpPort();
            String prometheusUrl = startPrometheus("""
                    scrape_configs:
                      - job_name: tether
                        scheme: https
                        tls_config:
                          ca_file: %1$s
                        basic_auth:
                          username: prometheus
                          password_file: %2$s
                        static_configs:
                          - targets: ["%3$s"]
                      - job_name: no-login
                        scheme: https
                        tls_config:
                          ca_file: %1$s
                        static_configs:
                          - targets: ["%3$s"]
                    """.formatted(tls.cert(), tmp.resolve("scrape.password"), target));
            awaitQuery(prometheusUrl, "tether_worker_info{job=\"tether\", host=\"prom-tls\"} == 1");
            awaitQuery(prometheusUrl, "up{job=\"tether\"} == 1");
            awaitQuery(prometheusUrl, "up{job=\"no-login\"} == 0");
            JsonNode targets = JsonRpc.MAPPER.readTree(Http.get(prometheusUrl + "/api/v1/targets").body());
            String refused = "";
            for (JsonNode active : targets.at("/data/activeTargets")) {
                if (active.at("/labels/job").asText().equals("no-login")) {
                    refused = active.get("lastError").asText();
                }
            }
            assertTrue(refused.contains("401"), "the scrape without a login: " + refused);
        }
    }

    private static WebConfig readWebConfig(Path file) {
        try {
            return WebConfig.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs each query of each panel of docs/prometheus/tether-dashboard.json, with the dashboard's
     * variables as Grafana fills them in ({@code $host} the worker's host id, {@code $__rate_interval}
     * a window of several scrapes), until it returns data.
     */
    private static void everyDashboardPanelHasData(String prometheusUrl, String host) throws Exception {
        JsonNode dashboard = JsonRpc.MAPPER.readTree(Files.readString(DASHBOARD));
        assertTrue(dashboard.get("panels").size() >= 10, "a dashboard of the worker's metrics");
        for (JsonNode panel : dashboard.get("panels")) {
            assertEquals("${datasource}", panel.at("/datasource/uid").asText(), panel.get("title").asText());
            for (JsonNode target : panel.get("targets")) {
                String promql = target.get("expr").asText().replace("$__rate_interval", "30s").replace("$host", host);
                List<JsonNode> result = await("panel " + panel.get("title").asText() + ": " + promql)
                        .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> query(prometheusUrl, promql), r -> !r.isEmpty());
                assertFalse(result.isEmpty());
            }
        }
    }

    /** Starts Prometheus on a free loopback port, scraping the worker on {@code workerPort}; returns its URL. */
    private String startPrometheus(int workerPort) throws Exception {
        return startPrometheus("""
                scrape_configs:
                  - job_name: tether
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(workerPort));
    }

    /** Starts Prometheus on a free loopback port with the alert rules and {@code scrapeConfigs}; returns its URL. */
    private String startPrometheus(String scrapeConfigs) throws Exception {
        String rules = Files.readString(PrometheusRulesTest.RULES).replaceAll("for: \\d+m", "for: 3s");
        Files.writeString(tmp.resolve("tether-rules.yml"), rules);
        Files.writeString(tmp.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - tether-rules.yml
                """ + scrapeConfigs);
        int port = TestWorker.freePort();
        List<String> command = new ArrayList<>(List.of("prometheus", "--config.file=" + tmp.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port));
        Path log = tmp.resolve("prometheus.log");
        prometheus = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String url = "http://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            assertTrue(prometheus.isAlive(), () -> "prometheus exited: " + read(log));
            return Http.get(url + "/-/ready").statusCode() == 200;
        });
        return url;
    }

    /** Queries until the result is not empty. */
    private static List<JsonNode> awaitQuery(String prometheusUrl, String promql) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> query(prometheusUrl, promql), r -> !r.isEmpty());
    }

    private static List<JsonNode> query(String prometheusUrl, String promql) throws Exception {
        JsonNode answer = JsonRpc.MAPPER.readTree(Http.get(prometheusUrl + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body());
        assertEquals("success", answer.get("status").asText(), answer.toString());
        List<JsonNode> result = new ArrayList<>();
        answer.at("/data/result").forEach(result::add);
        return result;
    }

    /** The TetherConnectionDown alert of connection {@code key}, pending or firing; null if none. */
    private static JsonNode connectionDownAlert(String prometheusUrl, String key) throws Exception {
        JsonNode answer = JsonRpc.MAPPER.readTree(Http.get(prometheusUrl + "/api/v1/alerts").body());
        for (JsonNode alert : answer.at("/data/alerts")) {
            if (alert.at("/labels/alertname").asText().equals("TetherConnectionDown")
                    && alert.at("/labels/connection").asText().equals(key)) {
                return alert;
            }
        }
        return null;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
