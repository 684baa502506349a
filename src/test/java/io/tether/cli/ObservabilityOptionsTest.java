package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tether.http.HttpAddress;
import io.tether.http.WebConfig;
import io.tether.worker.WorkerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The worker's --http-address, --web-config-file and --log-format as picocli parses them. */
class ObservabilityOptionsTest {
    private static final WorkerConfig CONFIG = WorkerConfig.embedded("h1", Path.of("data"), 5672);

    private static WorkerConfig apply(String... args) {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs(args);
        try {
            return command.observability.applyTo(CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theEndpointListensOnLoopbackPort9464UnlessToldOtherwise() {
        assumeTrue(System.getenv("TETHER_HTTP_ADDRESS") == null, "TETHER_HTTP_ADDRESS is set here");
        assertEquals(new HttpAddress("127.0.0.1", 9464), apply().httpAddress());
        assertEquals(new HttpAddress("0.0.0.0", 9100), apply("--http-address", "0.0.0.0:9100").httpAddress());
        assertNull(apply("--http-address", "off").httpAddress());
    }

    @Test
    void aBadValueSaysWhichOptionAndWhatIsWrong() {
        IllegalArgumentException address = assertThrows(IllegalArgumentException.class, () -> apply("--http-address", "9464"));
        assertEquals("--http-address 9464: give HOST:PORT (e.g. 127.0.0.1:9464) or off", address.getMessage());
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> apply("--log-format", "xml"));
        assertEquals("--log-format xml: give text or json", format.getMessage());
    }

    /** The exporters' web config file: read, its paths resolved beside it; what Tether does not do is refused by name. */
    @Test
    void aWebConfigFileGuardsTheEndpoint(@TempDir Path dir) throws Exception {
        assertFalse(apply().webConfig().tls());
        Path web = dir.resolve("web.yml");
        Files.writeString(web, """
                tls_server_config:
                  cert_file: metrics.crt
                  key_file: /etc/tether/metrics.key
                basic_auth_users:
                  prometheus: $2y$10$X0lDcP1Q2Uw3sbd8Nf9V6eQ8N8eAUn1w1o8QzQZ4uYF7dS9xHf6Hy
                """);
        WebConfig read = apply("--web-config-file", web.toString()).webConfig();
        assertEquals(dir.resolve("metrics.crt"), read.certFile());
        assertEquals(Path.of("/etc/tether/metrics.key"), read.keyFile());
        assertEquals(Set.of("prometheus"), read.users().keySet());

        Files.writeString(web, "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_ca_file: ca.crt\n");
        IllegalArgumentException clientCa = assertThrows(IllegalArgumentException.class, () -> apply("--web-config-file", web.toString()));
        assertEquals("--web-config-file " + web + ": tls_server_config.client_ca_file is not supported; the settings are"
                + " [tls_server_config.cert_file, tls_server_config.key_file]", clientCa.getMessage());
        Files.writeString(web, "basic_auth_users:\n  prometheus: plain-password\n");
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> apply("--web-config-file", web.toString()));
        assertTrue(plain.getMessage().endsWith("the password of prometheus is not a bcrypt hash (make one with htpasswd -nBC 10"
                + " prometheus)"), plain.getMessage());
    }
}
