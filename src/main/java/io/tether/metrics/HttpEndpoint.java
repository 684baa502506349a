package io.tether.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.tether.api.JsonRpc;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's HTTP endpoint: {@code GET /metrics} (the Prometheus text format, or OpenMetrics when
 * the scraper's Accept header asks for it: the Prometheus client's own handler), {@code GET /livez}
 * and {@code GET /readyz} (200, or 503 with a JSON body naming the failed checks). Any other path is
 * 404 and any other method 405. HTTP itself is the JDK's server.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final int THREADS = 2;

    static {
        // The JDK's server writes a response in several segments; without TCP_NODELAY, Nagle's
        // algorithm holds the later ones until the scraper's delayed ACK, tens of milliseconds.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final MetricsHandler metrics;
    private final Health health;

    private HttpEndpoint(HttpServer server, ExecutorService threads, TetherMetrics registry, Health health) {
        this.server = server;
        this.threads = threads;
        this.metrics = new MetricsHandler(registry.registry());
        this.health = health;
    }

    /** Listens on {@code address}; an address that cannot be bound is an {@link IOException}. */
    public static HttpEndpoint start(HttpAddress address, TetherMetrics registry, Health health) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        AtomicInteger n = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "tether-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        HttpEndpoint endpoint = new HttpEndpoint(server, threads, registry, health);
        // One context for every path, so that exact paths are routed here and the rest are 404.
        server.createContext("/", endpoint::handle);
        server.start();
        return endpoint;
    }

    /** The port it listens on (the one picked, for port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean known = path.equals("/metrics") || path.equals("/livez") || path.equals("/readyz");
            if (!known) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: the paths are /metrics, /livez and /readyz\n");
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed: only GET\n");
            } else if (path.equals("/metrics")) {
                metrics.handle(exchange);
            } else {
                report(exchange, path.equals("/livez") ? health.liveness() : health.readiness());
            }
        }
    }

    /** 200 when every check passed, else 503; the body lists the checks and names the failed ones. */
    private static void report(HttpExchange exchange, List<Health.Check> checks) throws IOException {
        ObjectNode body = JsonRpc.MAPPER.createObjectNode();
        List<Health.Check> failed = checks.stream().filter(c -> !c.ok()).toList();
        body.put("status", failed.isEmpty() ? "ok" : "failed");
        var failedNames = body.putArray("failed");
        failed.forEach(c -> failedNames.add(c.name()));
        ObjectNode all = body.putObject("checks");
        for (Health.Check check : checks) {
            ObjectNode one = all.putObject(check.name()).put("ok", check.ok());
            if (check.detail() != null) {
                one.put("detail", check.detail());
            }
        }
        send(exchange, failed.isEmpty() ? 200 : 503, "application/json", JsonRpc.write(body) + "\n");
    }

    private static void send(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops listening; a scrape in progress is cut short. */
    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
