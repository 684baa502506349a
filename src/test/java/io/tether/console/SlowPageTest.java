package io.tether.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.client.TetherClient;
import io.tether.http.HttpAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One page that reads slowly (a browser on a slow link, or a client that reads a few bytes now and
 * then to keep its connection alive) must not hold up the others, nor make the console hold every
 * update for it: on a real console server, two pages read at full speed, a third reads 4 KiB every
 * second, and rounds of large updates go out, each as fast as the fast pages read it.
 * The events are handed to the console's state as its broker listener hands them (a worker would
 * take minutes to publish this many; the fan-out to the pages is what is tested). The fast pages
 * get every update; the slow one is dropped, its queue never past its bound; the fast ones stay.
 */
class SlowPageTest {
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
    /** Rounds of updates at most: the slow page falls its queue's bound behind within a few. */
    private static final int ROUNDS = 100;
    private static final int PER_ROUND = 100;
    private static final Pattern SEQ = Pattern.compile("\\{\"type\":\"connection\",\"host\":\"h1\",\"seq\":(\\d+)");
    private static final String KEY = "file:///srv/slow";

    private static JsonNode event(long seq, String message) {
        ObjectNode e = JsonRpc.MAPPER.createObjectNode().put("hostId", "h1").put("seq", seq).put("at", "2026-01-01T00:00:00Z")
                .put("connectionKey", KEY).put("state", "DISCONNECTED").put("connected", false).put("change", "STATE");
        e.put("connectionIdCount", 1);
        e.putArray("changedIds");
        e.putObject("lastError").put("code", 477).put("name", "StorageServerAccessPermissionError").put("message", message);
        return e;
    }

    /** A page reading at full speed: {@code seen} is the seq of the last update it got. */
    private static void fastPage(HttpClient http, String url, AtomicLong seen) throws Exception {
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    Matcher m = SEQ.matcher(line);
                    while (m.find()) {
                        seen.accumulateAndGet(Long.parseLong(m.group(1)), Math::max);
                    }
                }
            } catch (IOException e) {
                // The test's end closes it.
            }
        }, "fast-page");
        reader.setDaemon(true);
        reader.start();
    }

    @Test
    void aSlowPageIsDroppedAndTheOthersGetEveryUpdate() throws Exception {
        try (ConsoleServer console = ConsoleServer.start(new ConsoleServer.Settings(new HttpAddress("127.0.0.1", 0),
                List.of(), Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(1)), NO_BROKER)) {
            FleetState state = console.state();
            state.learn("h1");
            state.onList("h1", JsonRpc.MAPPER.readTree("{\"seq\":0,\"connections\":{\"c1\":{\"managed\":true,"
                    + "\"connected\":false,\"state\":\"DISCONNECTED\",\"connectionKey\":\"" + KEY + "\"}}}"));
            String url = "http://127.0.0.1:" + console.port() + "/api/stream";
            HttpClient http = HttpClient.newHttpClient();
            AtomicLong first = new AtomicLong();
            AtomicLong second = new AtomicLong();
            fastPage(http, url, first);
            fastPage(http, url, second);

            AtomicBoolean slowEnded = new AtomicBoolean();
            AtomicBoolean drain = new AtomicBoolean();
            try (Socket slow = new Socket()) {
                // A small window: what the console writes waits on this page's reading, not in buffers.
                slow.setReceiveBufferSize(4096);
                slow.connect(new InetSocketAddress("127.0.0.1", console.port()));
                slow.getOutputStream().write(("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:" + console.port()
                        + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                Thread trickle = new Thread(() -> {
                    byte[] bytes = new byte[4096];
                    try {
                        InputStream in = slow.getInputStream();
                        while (in.read(bytes) >= 0) {
                            if (!drain.get()) {
                                Thread.sleep(1000);
                            }
                        }
                        slowEnded.set(true);
                    } catch (IOException e) {
                        slowEnded.set(true); // reset by the console: ended too
                    } catch (InterruptedException e) {
                        // The test's end.
                    }
                }, "slow-page");
                trickle.setDaemon(true);
                trickle.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> console.pagesOpen() == 3);

                // Rounds of updates, each of about 9 KB (the error twice: the connection's and the log
                // line's): the fast pages read each round; the slow page reads 4 KB a second.
                String words = "permission denied on the export; ".repeat(130);
                long seq = 0;
                for (int round = 0; round < ROUNDS && console.pagesOpen() == 3; round++) {
                    for (int i = 0; i < PER_ROUND; i++) {
                        seq++;
                        state.onEvent("h1", event(seq, words + seq));
                    }
                    long last = seq;
                    await().atMost(Duration.ofSeconds(30)).until(() -> first.get() >= last && second.get() >= last);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> console.pagesOpen() == 2);
                // What the console had sent before it closed the connection is read at once: then its end.
                drain.set(true);
                await().atMost(Duration.ofSeconds(60)).until(slowEnded::get);
                // The fast pages stay, and go on.
                state.onEvent("h1", event(seq + 1, "after the slow page went"));
                long after = seq + 1;
                await().atMost(Duration.ofSeconds(30)).until(() -> first.get() == after && second.get() == after);
                assertTrue(console.mostQueued() <= Broadcaster.MAX_QUEUED,
                        "a page's queue stays bounded: " + console.mostQueued() + " updates at most");
                trickle.interrupt();
            }
        }
    }
}
