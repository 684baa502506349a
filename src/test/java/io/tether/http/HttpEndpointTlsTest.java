package io.tether.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.tether.health.HealthChecks;
import io.tether.metrics.TetherMetrics;
import io.tether.testing.SelfSignedTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint with a web config file: a real HTTPS scrape with the certificate and key of PEM
 * files (made by the JDK's keytool), a login checked against a bcrypt hash as htpasswd writes it,
 * and 401 without it, or with a wrong password.
 */
class HttpEndpointTlsTest {
    private static final String PASSWORD = "scrape-secret";

    @TempDir
    Path dir;
    private SelfSignedTls tls;

    @BeforeEach
    void makeACertificateAndKey() throws Exception {
        tls = SelfSignedTls.make(dir);
    }

    @Test
    void scrapesOverHttpsWithALoginAndRefusesOneWithout() throws Exception {
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, PASSWORD.toCharArray());
        Path web = Files.writeString(dir.resolve("web.yml"), """
                tls_server_config:
                  cert_file: metrics.crt
                  key_file: metrics.key
                basic_auth_users:
                  prometheus: %s
                """.formatted(hash));
        TetherMetrics metrics = new TetherMetrics("tls", () -> HealthChecks.ALWAYS);
        try (HttpEndpoint endpoint = HttpEndpoint.start(new HttpAddress("127.0.0.1", 0), WebConfig.read(web), metrics,
                HealthChecks.ALWAYS)) {
            String base = "https://127.0.0.1:" + endpoint.port();
            HttpClient client = HttpClient.newBuilder().sslContext(trusting()).connectTimeout(Duration.ofSeconds(30)).build();

            HttpResponse<String> scrape = client.send(get(base + "/metrics", "prometheus", PASSWORD), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode(), scrape.body());
            assertTrue(scrape.body().contains("tether_worker_info{host=\"tls\""), scrape.body());
            // Verified once, the same login is let in again (remembered, not hashed anew).
            assertEquals(200, client.send(get(base + "/readyz", "prometheus", PASSWORD), HttpResponse.BodyHandlers.ofString()).statusCode());

            for (HttpRequest refused : new HttpRequest[] {get(base + "/metrics", null, null),
                    get(base + "/metrics", "prometheus", "wrong"), get(base + "/livez", "someone", PASSWORD)}) {
                HttpResponse<String> answer = client.send(refused, HttpResponse.BodyHandlers.ofString());
                assertEquals(401, answer.statusCode(), refused.headers().map().toString());
                assertEquals("Basic realm=\"tether\", charset=\"UTF-8\"", answer.headers().firstValue("WWW-Authenticate").orElse(""));
            }

            // Plain HTTP is not served on that port, and a client that does not trust the certificate gets nothing.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            assertThrows(IOException.class, () -> plain.send(get("http://127.0.0.1:" + endpoint.port() + "/metrics",
                    "prometheus", PASSWORD), HttpResponse.BodyHandlers.ofString()));
            assertThrows(SSLHandshakeException.class, () -> plain.send(get(base + "/metrics", "prometheus", PASSWORD),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void aKeyThatIsNotPkcs8SaysHowToConvertIt() throws Exception {
        Files.writeString(tls.key(), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        IOException e = assertThrows(IOException.class, () -> HttpEndpoint.start(new HttpAddress("127.0.0.1", 0),
                new WebConfig(tls.cert(), tls.key(), Map.of()), new TetherMetrics("tls", () -> HealthChecks.ALWAYS), HealthChecks.ALWAYS).close());
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
    }

    private SSLContext trusting() throws Exception {
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(tls.trust());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trusted.getTrustManagers(), null);
        return context;
    }

    private static HttpRequest get(String url, String user, String password) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return request.build();
    }
}
