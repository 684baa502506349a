package io.tether.console;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import io.javalin.http.staticfiles.Location;
import io.tether.api.JsonRpc;
import io.tether.http.HttpAddress;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Request;

/**
 * {@code tether console}: the fleet's page, served by Javalin (Jetty) from the jar, read-only.
 *
 * <ul>
 *   <li>{@code GET /}: the page ({@code src/main/resources/console/}: plain HTML, CSS and
 *       JavaScript, nothing from elsewhere, as hosts are often offline);
 *   <li>{@code GET /api/stream}: Server-Sent Events, first {@code fleet} (everything, with the
 *       last events kept: {@link EventHistory}) then
 *       {@code update} (arrays of changes), each page on a queue and a thread of its own
 *       ({@link Broadcaster}: a page that falls behind is closed, and starts over);
 *   <li>{@code GET /api/fleet}: the same state as JSON, for scripts;
 *   <li>{@code GET /api/connection?host=H&key=K}: one connection with its last events.
 * </ul>
 *
 * Every other path is 404. Every response forbids scripts and styles from anywhere but the page's
 * own files ({@code Content-Security-Policy}), so even text that slipped through unescaped could
 * run nothing.
 */
public final class ConsoleServer implements AutoCloseable {
    static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
                    + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-store");

    private final FleetState state;
    private final Broadcaster broadcaster;
    private final FleetFeed feed;
    private final Javalin app;

    /** What the console is told at start. */
    public record Settings(HttpAddress address, Collection<String> hosts, Duration timeout, Duration refresh, Duration retry) {
    }

    private ConsoleServer(Settings settings, BrokerAccess broker) {
        this.broadcaster = new Broadcaster();
        this.state = new FleetState(broadcaster, Clock.systemUTC());
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            // The stream stays open as long as the page does.
            config.http.asyncTimeout = 0;
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/console";
                files.location = Location.CLASSPATH;
                files.headers = HEADERS;
            });
        });
        Predicate<String> servedNames = settings.address().servedNames();
        app.before(ctx -> {
            HEADERS.forEach(ctx::header);
            // On a loopback address, a page of another site must not read the fleet by pointing a
            // name of its own at 127.0.0.1 (DNS rebinding): only loopback names are served.
            if (!servedNames.test(ctx.header("Host"))) {
                ctx.status(HttpStatus.MISDIRECTED_REQUEST).contentType("text/plain").result("not served under this name");
                ctx.skipRemainingHandlers();
            }
        });
        app.before("/api/stream", ctx -> {
            if (broadcaster.full()) {
                ctx.status(HttpStatus.SERVICE_UNAVAILABLE).contentType("text/plain")
                        .result("too many pages open (" + Broadcaster.MAX_PAGES + "); close one");
                ctx.skipRemainingHandlers();
            }
        });
        app.get("/api/fleet", ctx -> ctx.contentType("application/json").result(state.fleetJson()));
        app.get("/api/connection", ctx -> {
            String host = ctx.queryParam("host");
            String key = ctx.queryParam("key");
            if (host == null || key == null) {
                ctx.status(HttpStatus.BAD_REQUEST).contentType("application/json")
                        .result("{\"error\":\"give host and key\"}");
                return;
            }
            ObjectNode connection = state.connection(host, key);
            if (connection == null) {
                ctx.status(HttpStatus.NOT_FOUND).contentType("application/json").result("{\"error\":\"no such connection\"}");
                return;
            }
            ctx.contentType("application/json").result(JsonRpc.write(connection));
        });
        app.sse("/api/stream", this::stream);
        app.error(HttpStatus.NOT_FOUND, ctx -> {
            if (ctx.result() == null) {
                ctx.contentType("text/plain").result("not found");
            }
        });
        try {
            app.start(settings.address().host(), settings.address().port());
        } catch (RuntimeException e) {
            broadcaster.close();
            throw e;
        }
        this.feed = new FleetFeed(state, broker, settings.timeout(), settings.refresh(), settings.retry());
        settings.hosts().forEach(feed::learn);
    }

    /**
     * Starts serving on {@code settings.address()} and following the fleet through {@code broker}.
     *
     * @throws io.javalin.util.JavalinBindException the address cannot be bound (port taken)
     */
    public static ConsoleServer start(Settings settings, BrokerAccess broker) {
        return new ConsoleServer(settings, broker);
    }

    private void stream(SseClient client) {
        client.keepAlive();
        Broadcaster.Stream stream = broadcaster.open(new Broadcaster.Page() {
            @Override
            public boolean send(String event, String data) {
                if (client.terminated()) {
                    return false;
                }
                client.sendEvent(event, data);
                return !client.terminated();
            }

            @Override
            public void abort() {
                // Ends the connection even while a write to it is blocked, which closing the stream would wait for.
                Request jetty = Request.getBaseRequest(client.ctx().req());
                if (jetty != null) {
                    jetty.getHttpChannel().abort(new IOException("the page fell behind"));
                }
            }
        });
        if (stream == null) {
            client.close();
            return;
        }
        client.onClose(stream::close);
        state.join(stream::join);
    }

    /** Pages whose stream is open. */
    int pagesOpen() {
        return broadcaster.pages();
    }

    /** The most updates ever queued for one page at once (bounded: {@link Broadcaster#MAX_QUEUED}). */
    int mostQueued() {
        return broadcaster.mostQueued();
    }

    /** The port it listens on (the one chosen, for port 0). */
    public int port() {
        return app.port();
    }

    /** The fleet as the page has it. */
    public FleetState state() {
        return state;
    }

    @Override
    public void close() {
        feed.close();
        app.stop();
        broadcaster.close();
    }
}
