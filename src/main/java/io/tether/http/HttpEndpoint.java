package io.tether.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.tether.api.JsonRpc;
import io.tether.health.HealthChecks;
import io.tether.metrics.TetherMetrics;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.function.Predicate;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The worker's HTTP endpoint: {@code GET /metrics} (the Prometheus text format, or OpenMetrics when
 * the scraper's Accept header asks for it: the Prometheus client's own scrape handler),
 * {@code GET /livez} and {@code GET /readyz} (200, or 503 with a JSON body naming the failed
 * checks). Any other path is 404 and any other method 405; a request under a name the address does
 * not serve ({@link HttpAddress#servedNames}: on loopback, loopback names only) is 421. With a
 * {@link WebConfig} it serves HTTPS only, and every path asks for a login (401 without one).
 *
 * <p>HTTP is Jetty's, chosen over the JDK's server because a client that is slow or silent must not
 * stop the scrapes: Jetty reads a request's headers as they come without holding a thread (the
 * JDK's server holds one of its threads per request until the headers are complete, with no limit),
 * closes a connection on which nothing moves for {@link #IDLE_TIMEOUT}, refuses headers over 8 KiB,
 * and keeps at most {@link #MAX_CONNECTIONS} connections (more wait to be accepted), so nobody can
 * spend the worker's file descriptors through it.
 */
public final class HttpEndpoint implements AutoCloseable {
    /** A connection on which nothing is read or written for this long is closed. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Connections open at once; further ones wait in the listen backlog until one closes. */
    static final int MAX_CONNECTIONS = 256;
    /** Threads that run requests (and Jetty's acceptor and selector): a request needs one only while it is answered. */
    private static final int MAX_THREADS = 8;

    private final Server server;
    private final ServerConnector connector;

    private HttpEndpoint(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Listens on {@code address} over plain HTTP without login; an address that cannot be bound is an {@link IOException}. */
    public static HttpEndpoint start(HttpAddress address, TetherMetrics registry, HealthChecks health) throws IOException {
        return start(address, WebConfig.NONE, registry, health);
    }

    /**
     * Listens on {@code address}, with TLS and basic auth as {@code web} says; an address that
     * cannot be bound, or a certificate or key that cannot be used, is an {@link IOException}.
     */
    public static HttpEndpoint start(HttpAddress address, WebConfig web, TetherMetrics registry, HealthChecks health)
            throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("tether-http");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = web.tls()
                ? new ServerConnector(server, 1, 1, new SslConnectionFactory(tls(web), "http/1.1"), httpsFactory(http))
                : new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(address.host());
        connector.setPort(address.port());
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, server));
        server.setHandler(new Routes(address.servedNames(), new BasicAuth(web.users()),
                new PrometheusScrapeHandler(PrometheusProperties.get(), registry.registry()), health));
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        return new HttpEndpoint(server, connector);
    }

    /** The TLS of {@code web}'s certificate and key: TLS 1.2 and 1.3 only, as Jetty's defaults allow. */
    private static SslContextFactory.Server tls(WebConfig web) throws IOException {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(PemKeyStore.load(web.certFile(), web.keyFile()));
        tls.setKeyStorePassword(new String(PemKeyStore.PASSWORD));
        tls.setIncludeProtocols("TLSv1.2", "TLSv1.3");
        return tls;
    }

    /**
     * HTTP over TLS; the name a scraper asks for (SNI) need not be the certificate's, as
     * Prometheus's tls_config.server_name and insecure_skip_verify are the scraper's to decide.
     */
    private static HttpConnectionFactory httpsFactory(HttpConfiguration http) {
        HttpConfiguration https = new HttpConfiguration(http);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        return new HttpConnectionFactory(https);
    }

    /** The port it listens on (the one picked, for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The three paths, and the Host check and the login in front of them. */
    private static final class Routes extends AbstractHandler {
        private final Predicate<String> servedNames;
        private final BasicAuth auth;
        private final PrometheusScrapeHandler metrics;
        private final HealthChecks health;

        Routes(Predicate<String> servedNames, BasicAuth auth, PrometheusScrapeHandler metrics, HealthChecks health) {
            this.servedNames = servedNames;
            this.auth = auth;
            this.metrics = metrics;
            this.health = health;
        }

        @Override
        public void handle(String path, Request base, HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            base.setHandled(true);
            boolean known = path.equals("/metrics") || path.equals("/livez") || path.equals("/readyz");
            if (!servedNames.test(request.getHeader("Host"))) {
                // A page of another site that points a name of its own at this address (DNS rebinding).
                send(response, 421, "text/plain; charset=utf-8", "not served under this name\n");
            } else if (auth.required() && !auth.allows(request.getHeader("Authorization"))) {
                response.setHeader("WWW-Authenticate", "Basic realm=\"tether\", charset=\"UTF-8\"");
                send(response, 401, "text/plain; charset=utf-8", "unauthorized: log in as a user of --web-config-file\n");
            } else if (!known) {
                send(response, 404, "text/plain; charset=utf-8", "not found: the paths are /metrics, /livez and /readyz\n");
            } else if (!request.getMethod().equals("GET")) {
                response.setHeader("Allow", "GET");
                send(response, 405, "text/plain; charset=utf-8", "method not allowed: only GET\n");
            } else if (path.equals("/metrics")) {
                metrics.handleRequest(new Exchange(request, response));
            } else {
                report(response, path.equals("/livez") ? health.liveness() : health.readiness());
            }
        }
    }

    /** 200 when every check passed, else 503; the body lists the checks and names the failed ones. */
    private static void report(HttpServletResponse response, List<HealthChecks.Check> checks) throws IOException {
        ObjectNode body = JsonRpc.MAPPER.createObjectNode();
        List<HealthChecks.Check> failed = checks.stream().filter(c -> !c.ok()).toList();
        body.put("status", failed.isEmpty() ? "ok" : "failed");
        var failedNames = body.putArray("failed");
        failed.forEach(c -> failedNames.add(c.name()));
        ObjectNode all = body.putObject("checks");
        for (HealthChecks.Check check : checks) {
            ObjectNode one = all.putObject(check.name()).put("ok", check.ok());
            if (check.detail() != null) {
                one.put("detail", check.detail());
            }
        }
        send(response, failed.isEmpty() ? 200 : 503, "application/json", JsonRpc.write(body) + "\n");
    }

    private static void send(HttpServletResponse response, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(type);
        response.setContentLength(bytes.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(bytes);
        }
    }

    /** A request and its response as the Prometheus client's scrape handler reads and writes them. */
    private record Exchange(HttpServletRequest request, HttpServletResponse response) implements PrometheusHttpExchange {
        @Override
        public PrometheusHttpRequest getRequest() {
            return new PrometheusHttpRequest() {
                @Override
                public String getQueryString() {
                    return request.getQueryString();
                }

                @Override
                public Enumeration<String> getHeaders(String name) {
                    return request.getHeaders(name);
                }

                @Override
                public String getMethod() {
                    return request.getMethod();
                }

                @Override
                public String getRequestPath() {
                    return request.getRequestURI();
                }
            };
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return new PrometheusHttpResponse() {
                @Override
                public void setHeader(String name, String value) {
                    response.setHeader(name, value);
                }

                @Override
                public OutputStream sendHeadersAndGetBody(int status, int contentLength) throws IOException {
                    response.setStatus(status);
                    if (contentLength > 0) {
                        response.setContentLength(contentLength);
                    }
                    return response.getOutputStream();
                }
            };
        }

        @Override
        public void handleException(IOException e) throws IOException {
            throw e;
        }

        @Override
        public void handleException(RuntimeException e) {
            throw e;
        }

        @Override
        public void close() {
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // It did not start: nothing of it is left to stop.
        }
    }

    /** Stops listening; a scrape in progress is cut short. */
    @Override
    public void close() {
        stopQuietly(server);
    }
}
