package io.tether.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.client.TetherClient;
import io.tether.http.HttpAddress;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The console's HTTP side on a real server (Javalin on 127.0.0.1), with a broker that cannot be
 * reached: the page and its files, the JSON API, the event stream, 404s and the headers.
 */
class ConsoleServerTest {
    /** Nothing listens there: the console must say so and keep serving. */
    private static final BrokerAccess NO_BROKER = new BrokerAccess() {
        @Override
        public TetherClient connect() throws Exception {
            throw new jakarta.jms.JMSException("Connection refused");
        }

        @Override
        public String describe(Exception e) {
            return "cannot reach the broker: " + e.getMessage();
        }
    };

    private final HttpClient http = HttpClient.newHttpClient();

    /** A request with the Host header given (HttpClient will not set one), answered by its status line. */
    private static String raw(int port, String path, String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageTheApiAndTheStreamAndNothingElse() throws Exception {
        try (ConsoleServer console = ConsoleServer.start(new ConsoleServer.Settings(new HttpAddress("127.0.0.1", 0),
                List.of("h1", "h2"), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMillis(200)), NO_BROKER)) {
            String base = "http://127.0.0.1:" + console.port() + "/";
            HttpResponse<String> page = get(base);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<script src=\"console.js\" defer></script>"), page.body());
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
            assertEquals(200, get(base + "console.js").statusCode());
            assertEquals(200, get(base + "console.css").statusCode());

            await().atMost(Duration.ofSeconds(10)).until(() -> JsonRpc.MAPPER.readTree(get(base + "api/fleet").body())
                    .at("/broker/problem").asText().equals("cannot reach the broker: Connection refused"));
            JsonNode fleet = JsonRpc.MAPPER.readTree(get(base + "api/fleet").body());
            assertFalse(fleet.at("/broker/up").asBoolean());
            List<String> hosts = new java.util.ArrayList<>();
            fleet.path("hosts").fieldNames().forEachRemaining(hosts::add);
            assertEquals(List.of("h1", "h2"), hosts);
            assertEquals(-1, fleet.at("/hosts/h1/seq").asLong());

            assertEquals(404, get(base + "nope").statusCode());
            assertEquals(404, get(base + "api/nope").statusCode());
            assertEquals(404, get(base + "api/connection?host=h1&key=file:///x").statusCode());
            assertEquals(400, get(base + "api/connection?host=h1").statusCode());
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "api/fleet"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                    "read-only");

            // Another site's name pointed at 127.0.0.1 (DNS rebinding) gets nothing.
            assertTrue(raw(console.port(), "/api/fleet", "evil.example:" + console.port()).startsWith("HTTP/1.1 421 "));
            assertTrue(raw(console.port(), "/", "evil.example").startsWith("HTTP/1.1 421 "));
            assertTrue(raw(console.port(), "/api/fleet", "localhost:" + console.port()).startsWith("HTTP/1.1 200 "));
            assertTrue(raw(console.port(), "/api/fleet", "127.0.0.1:" + console.port()).startsWith("HTTP/1.1 200 "));

            // The stream starts with the whole fleet, as a browser's EventSource asks for it.
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(base + "api/stream"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElse("").split(";")[0]);
                assertEquals("event: fleet", lines.readLine());
                String data = lines.readLine();
                assertTrue(data.startsWith("data: "), data);
                JsonNode first = JsonRpc.MAPPER.readTree(data.substring("data: ".length()));
                assertEquals("fleet", first.path("type").asText());
                assertTrue(first.at("/hosts/h2").isObject());
                assertTrue(first.path("events").isArray(), "the last events come with the fleet: " + first);
            }
        }
    }
}
