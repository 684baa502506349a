package io.tether.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.amqp.Addresses;
import io.tether.amqp.Jms;
import io.tether.api.JsonRpc;
import io.tether.client.TetherClient;
import io.tether.console.BrokerAccess;
import io.tether.console.Browser;
import io.tether.console.ConsoleServer;
import io.tether.http.HttpAddress;
import io.tether.testing.TestWorker;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.jms.Topic;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet console at scale: 500 hosts x 50 connections (25,000 cells) in a real browser
 * (headless chromium). The hosts are synthetic: one program answers every host's
 * {@code getStorageServerList} and publishes its status events, through a real broker (a worker's
 * embedded Artemis, as the admin, the only login that may stand in for other hosts there). The
 * console is the real one, logged in as the engines are, subscribed to {@code tether.host.*.status}.
 *
 * <p>Measured: the page's load time (navigation start to the whole matrix drawn, from the page's
 * own clock), and, at 1,000 events per second, the time from an event's publication (its
 * {@code at}) to its cell's change on screen (the next animation frame after the DOM changed), in
 * the browser, on the same machine's clock. Every cell's final state is checked against the feed.
 */
class ConsoleBenchmark {
    private static final int HOSTS = Integer.getInteger("bench.hosts", 500);
    private static final int CONNECTIONS = Integer.getInteger("bench.connectionsPerHost", 50);
    private static final int RATE = Integer.getInteger("bench.eventsPerSecond", 1_000);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 20);
    private static final String[] TYPES = {"nfs", "glusterfs", "iscsi", "posix", "file"};

    @TempDir
    Path tmp;

    /** One synthetic host: its connections' states and its seq. */
    private static final class SimHost {
        final String id;
        final boolean[] connected = new boolean[CONNECTIONS];
        final String[] since = new String[CONNECTIONS];
        long seq;

        SimHost(String id) {
            this.id = id;
            java.util.Arrays.fill(connected, true);
            java.util.Arrays.fill(since, "2026-01-01T00:00:00Z");
            seq = CONNECTIONS * 2L; // as if each connection was managed, then connected
        }
    }

    private static String key(int c) {
        String type = TYPES[c % TYPES.length];
        return switch (type) {
            case "iscsi" -> "iscsi://san" + c + ".example.com/iqn.2003-01.org.example:vol" + c;
            case "file" -> "file:///srv/local/vol" + c;
            case "posix" -> "posix://store" + c + ".example.com/export/vol" + c;
            default -> type + "://filer" + c + ".example.com/exports/vol" + c;
        };
    }

    private static ObjectNode entry(SimHost host, int c) {
        ObjectNode entry = JsonRpc.MAPPER.createObjectNode().put("managed", true).put("connected", host.connected[c])
                .put("state", host.connected[c] ? "CONNECTED" : "DISCONNECTED").put("connectionKey", key(c))
                .put("since", host.since[c]);
        entry.putNull("lastError");
        entry.putObject("connectionInfo").put("type", TYPES[c % TYPES.length]);
        return entry;
    }

    private static String listReply(SimHost host) {
        synchronized (host) {
            ObjectNode reply = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0");
            reply.putNull("id");
            ObjectNode result = reply.putObject("result").put("seq", host.seq);
            ObjectNode connections = result.putObject("connections");
            for (int c = 0; c < CONNECTIONS; c++) {
                connections.set(host.id + "-cid" + c, entry(host, c));
            }
            result.putNull("next"); // one page: the whole list
            return JsonRpc.write(reply);
        }
    }

    private static String flip(SimHost host, int c) {
        synchronized (host) {
            host.connected[c] = !host.connected[c];
            host.seq++;
            ObjectNode params = JsonRpc.MAPPER.createObjectNode().put("hostId", host.id).put("seq", host.seq)
                    .put("at", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()).put("connectionKey", key(c));
            host.since[c] = params.get("at").asText();
            params.put("connectionIdCount", 1);
            params.putArray("changedIds");
            params.put("state", host.connected[c] ? "CONNECTED" : "DISCONNECTED").put("connected", host.connected[c]);
            if (host.connected[c]) {
                params.putNull("lastError");
            } else {
                params.putObject("lastError").put("code", 451).put("name", "StorageServerConnectionError")
                        .put("message", "bench: taken away").put("at", params.get("at").asText());
            }
            params.putObject("connectionInfo").put("type", TYPES[c % TYPES.length]);
            params.put("change", "STATE");
            ObjectNode note = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", "storageServerStatusChanged");
            note.set("params", params);
            return JsonRpc.write(note);
        }
    }

    @Test
    void fleetOf25000Cells() throws Exception {
        System.out.println("ConsoleBenchmark on " + Machine.describe());
        List<SimHost> hosts = IntStream.range(0, HOSTS).mapToObj(i -> new SimHost(String.format("host%03d", i))).toList();
        try (TestWorker worker = new TestWorker("bench", tmp.resolve("data"));
             Connection sim = Jms.connect(worker.adminUrl(), null, null, false)) {
            // The synthetic hosts: every request queue answered from the in-memory state.
            Session requests = sim.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Session replies = sim.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer replyProducer = replies.createProducer(null);
            for (SimHost host : hosts) {
                Echo.makeQueue(sim, "tether.host." + host.id + ".requests");
                requests.createConsumer(requests.createQueue("tether.host." + host.id + ".requests")).setMessageListener(m -> {
                    try {
                        TextMessage reply;
                        synchronized (replies) {
                            reply = replies.createTextMessage(listReply(host));
                            reply.setJMSCorrelationID(m.getJMSCorrelationID());
                            replyProducer.send(m.getJMSReplyTo(), reply, DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, 0);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            Session events = sim.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer eventProducer = events.createProducer(null);
            eventProducer.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
            List<Topic> topics = new ArrayList<>();
            for (SimHost host : hosts) {
                topics.add(events.createTopic("tether.host." + host.id + ".status"));
            }
            sim.start();

            BrokerAccess broker = new BrokerAccess() {
                @Override
                public TetherClient connect() throws Exception {
                    return TetherClient.connect(worker.url(), null, null);
                }

                @Override
                public String describe(Exception e) {
                    return String.valueOf(e.getMessage());
                }
            };
            long loading = System.nanoTime();
            try (ConsoleServer console = ConsoleServer.start(new ConsoleServer.Settings(new HttpAddress("127.0.0.1", 0),
                    hosts.stream().map(h -> h.id).toList(), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(2)),
                    broker);
                 Browser browser = Browser.start(1600, 1000)) {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    JsonNode fleet = console.state().snapshot().path("hosts");
                    int n = 0;
                    for (JsonNode h : fleet) {
                        n += h.path("connections").size();
                    }
                    return n == HOSTS * CONNECTIONS;
                });
                System.out.printf("console: %d hosts listed (%,d connections) in %.1f s%n", HOSTS, HOSTS * CONNECTIONS,
                        (System.nanoTime() - loading) / 1e9);
                String url = "http://127.0.0.1:" + console.port() + "/";

                // Load time: the page's own clock, from navigation start to the whole matrix drawn.
                List<Double> loads = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    browser.driver().get(url);
                    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                            .until(() -> browser.js("return document.body.dataset.loadedMs || null;") != null);
                    loads.add(Double.parseDouble((String) browser.js("return document.body.dataset.loadedMs;")));
                }
                long cells = (Long) browser.js("return document.querySelectorAll('#matrix td.cell').length;");
                assertEquals((long) HOSTS * CONNECTIONS, cells);
                System.out.printf("page load, %,d cells: first %.0f ms; loads 2-5: %s ms%n", cells, loads.get(0),
                        loads.subList(1, loads.size()));
                browser.screenshot(Path.of("target", "console-bench.png"));

                // Publish-to-cell latency at RATE events per second, measured in the browser.
                browser.js("window.__lat = []; const pending = []; let frame = false;"
                        + "new MutationObserver((records) => {"
                        + "  for (const r of records) { const s = r.target.dataset.since; if (s && r.oldValue !== s) pending.push(Date.parse(s)); }"
                        + "  if (!frame) { frame = true; requestAnimationFrame(() => { const now = Date.now();"
                        + "    for (const t of pending) window.__lat.push(now - t); pending.length = 0; frame = false; }); }"
                        + "}).observe(document.getElementById('matrix'), {subtree: true, attributes: true,"
                        + "  attributeFilter: ['data-since'], attributeOldValue: true});");
                // The same updates' arrival in the browser, before any drawing: what the page itself adds.
                browser.js("window.__arrived = []; const s = new EventSource('/api/stream');"
                        + "s.addEventListener('update', (m) => { const now = Date.now();"
                        + "  for (const u of JSON.parse(m.data)) { if (u.event && u.event.at) window.__arrived.push(now - Date.parse(u.event.at)); } });");
                // And at a plain subscriber of the same topics, next to the console: what the broker adds.
                List<Double> atSubscriber = java.util.Collections.synchronizedList(new ArrayList<>());
                Connection watcher = Jms.connect(worker.url(), null, null, false);
                Session watching = watcher.createSession(false, Session.AUTO_ACKNOWLEDGE);
                watching.createConsumer(watching.createTopic("tether.host.*.status")).setMessageListener(m -> {
                    long now = System.currentTimeMillis();
                    try {
                        JsonNode e = JsonRpc.MAPPER.readTree(((TextMessage) m).getText()).get("params");
                        atSubscriber.add((double) (now - Instant.parse(e.get("at").asText()).toEpochMilli()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                watcher.start();
                Random random = new Random(42);
                int total = RATE * SECONDS;
                long begin = System.nanoTime();
                for (int sent = 0; sent < total; ) {
                    long due = Math.min(total, (System.nanoTime() - begin) * RATE / 1_000_000_000L);
                    while (sent < due) {
                        int h = random.nextInt(HOSTS);
                        TextMessage m = events.createTextMessage(flip(hosts.get(h), random.nextInt(CONNECTIONS)));
                        // As a worker publishes: the address it publishes on, for the broker to check.
                        m.setStringProperty(Addresses.STATUS_ADDRESS_PROPERTY, topics.get(h).getTopicName());
                        eventProducer.send(topics.get(h), m);
                        sent++;
                    }
                    Thread.sleep(1);
                }
                double sendSeconds = (System.nanoTime() - begin) / 1e9;
                // Every flip changes its cell's since (a new time, or at worst the same millisecond twice).
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                        .until(() -> matches(browser, hosts));
                @SuppressWarnings("unchecked")
                List<Number> latencies = (List<Number>) browser.js("return window.__lat;");
                Stats stats = new Stats(latencies.stream().mapToDouble(Number::doubleValue).toArray());
                System.out.printf("%,d events at %,d/s (sent in %.1f s) to %,d cells: publish to cell %s%n", total, RATE,
                        sendSeconds, cells, stats.millis());
                watcher.close();
                System.out.printf("the same events at a plain subscriber of the broker: %s%n",
                        new Stats(atSubscriber.stream().mapToDouble(Double::doubleValue).toArray()).millis());
                @SuppressWarnings("unchecked")
                List<Number> arrivals = (List<Number>) browser.js("return window.__arrived;");
                System.out.printf("the same events' arrival in the browser (Server-Sent Events, before drawing): %s%n",
                        new Stats(arrivals.stream().mapToDouble(Number::doubleValue).toArray()).millis());
            }
        }
    }

    /** Every cell in the page shows its connection's state as the feed left it. */
    private static boolean matches(Browser browser, List<SimHost> hosts) {
        @SuppressWarnings("unchecked")
        Map<String, String> shown = (Map<String, String>) browser.js("const m = {};"
                + " for (const td of document.querySelectorAll('#matrix td.cell')) m[td.dataset.host + ' ' + td.dataset.key] = td.dataset.state;"
                + " return m;");
        for (SimHost host : hosts) {
            synchronized (host) {
                for (int c = 0; c < CONNECTIONS; c++) {
                    if (!(host.connected[c] ? "CONNECTED" : "DISCONNECTED").equals(shown.get(host.id + " " + key(c)))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
