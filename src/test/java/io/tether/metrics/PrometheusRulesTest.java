package io.tether.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.testing.Host;
import io.tether.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and scrape configuration of docs/prometheus pass Prometheus's own checker, the
 * rules pass their unit tests ({@code promtool}, Debian package prometheus), every alert is
 * tested and in docs/metrics.md, and the Grafana dashboard's queries parse.
 */
class PrometheusRulesTest {
    static final Path RULES = Path.of("docs/prometheus/tether-rules.yml");
    private static final Path RULE_TESTS = Path.of("docs/prometheus/tether-rules.test.yml");

    @BeforeEach
    void needPromtool() {
        Requirements.needTool("promtool", "prometheus");
    }

    @Test
    void rulesAndTheScrapeConfigurationAreValid() {
        Host.Ran check = Host.run(60, "promtool", "check", "rules", RULES.toString());
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: 7 rules found"), check.output());
        // docker-compose.yml's Prometheus configuration, with the rules it loads.
        Host.Ran config = Host.run(60, "promtool", "check", "config", "docs/prometheus/prometheus.yml");
        assertEquals(0, config.exit(), config.output());
        assertTrue(config.output().contains("SUCCESS: 1 rule files found"), config.output());
    }

    @Test
    void rulesPassTheirUnitTests() {
        Host.Ran test = Host.run(60, "promtool", "test", "rules", RULE_TESTS.toString());
        assertEquals(0, test.exit(), test.output());
        assertTrue(test.output().contains("SUCCESS"), test.output());
    }

    @Test
    void everyAlertIsTestedAndDocumented() throws Exception {
        String rules = Files.readString(RULES);
        String tests = Files.readString(RULE_TESTS);
        String documented = Files.readString(Path.of("docs/metrics.md"));
        for (String alert : List.of("TetherConnectionDown", "TetherWorkerNotReady", "TetherWorkerDown",
                "TetherRequestErrorsRising", "TetherEventOutboxGrowing", "TetherProbesSlow", "TetherConnectionDegraded")) {
            assertTrue(rules.contains("- alert: " + alert + "\n"), alert + " is not a rule");
            assertTrue(tests.contains("alertname: " + alert + "\n"), alert + " has no unit test");
            assertTrue(documented.contains(alert), alert + " is not in docs/metrics.md");
        }
    }

    /**
     * Every query of the Grafana dashboard is PromQL that Prometheus parses (promtool checks them
     * as recording rules), with the dashboard's variables as Grafana fills them in; PrometheusIT
     * runs them against a real Prometheus.
     */
    @Test
    void theDashboardsQueriesParse(@TempDir Path tmp) throws Exception {
        JsonNode dashboard = JsonRpc.MAPPER.readTree(Files.readString(PrometheusIT.DASHBOARD));
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int queries = 0;
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                String promql = target.get("expr").asText().replace("$__rate_interval", "1m").replace("$host", ".*");
                rules.append("      - record: dashboard:query").append(++queries).append('\n')
                        .append("        expr: ").append(JsonRpc.write(JsonRpc.MAPPER.getNodeFactory().textNode(promql))).append('\n');
            }
        }
        Path file = Files.writeString(tmp.resolve("dashboard-rules.yml"), rules);
        Host.Ran check = Host.run(60, "promtool", "check", "rules", file.toString());
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: " + queries + " rules found"), check.output());
    }
}
