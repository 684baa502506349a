package io.tether.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.api.JsonRpc;
import io.tether.client.TetherClient;
import io.tether.monitor.MonitorSettings;
import io.tether.retry.RetryPolicy;
import io.tether.testing.TestWorker;
import io.tether.testing.WorkerProcess;
import io.tether.testing.servers.StandaloneArtemis;
import io.tether.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;

/**
 * {@code tether console} as an operator runs it (java -jar target/tether.jar console), in a real
 * browser (headless chromium through Selenium): two real workers on one standalone broker, learned
 * from their events, and a third host named on the command line that the broker does not know; a
 * local directory taken away and given back, a CID made to be markup, the filter, the JSON API,
 * the broker stopped and started again, and at last a worker that stops answering.
 */
class ConsoleIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String XSS_CID = "<img src=x onerror=alert(1)>";

    @TempDir
    Path tmp;

    private static TestWorker worker(Path dir, String host, StandaloneArtemis broker) throws Exception {
        BrokerCredentials login = broker.hostLogin(host);
        // Probed every half second and retried fast, so a target taken away shows within a second or two.
        MonitorSettings fast = MonitorSettings.defaults().withProbeInterval(Duration.ofMillis(500))
                .withRetry(new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(1), 2.0, 0.2));
        return new TestWorker(WorkerConfig.external(host, dir.resolve(host), broker.url())
                .withFileRoots(TestWorker.FILE_ROOTS).withBrokerCredentials(login.user(), login.password()).withMonitor(fast));
    }

    @Test
    @Timeout(value = 480, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void twoHostsLiveInABrowser() throws Exception {
        long start = System.nanoTime();
        Path target = Files.createDirectories(tmp.resolve("target"));
        Path other = Files.createDirectories(tmp.resolve("other"));
        // The browser starts while the broker is set up: each takes a while on a busy machine.
        java.util.concurrent.CompletableFuture<Browser> starting = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> Browser.start(1400, 800));
        try (StandaloneArtemis broker = new StandaloneArtemis(Files.createDirectories(tmp.resolve("artemis")), "h1", "h2");
             TestWorker h1 = worker(tmp, "h1", broker);
             TestWorker h2 = worker(tmp, "h2", broker)) {
            mark(start, "broker and workers up");
            String password = broker.engineLogin().password();
            Duration t = Duration.ofSeconds(20);
            try (TetherClient engine = TetherClient.connect(broker.url(), "engine", password)) {
                // Before the console starts: it finds this one in h1's list, not in an event.
                engine.manage("h1", "flow1-data", "file://" + target, t);
                assertEquals(TetherClient.WaitOutcome.CONNECTED, engine.awaitConnected("h1", "flow1-data", t).outcome());
            }
            Path passwordFile = Files.writeString(tmp.resolve("engine.password"), password + "\n");
            // Only h3 is named, which this broker does not know: h1 and h2 are learned from their events.
            Process console = new ProcessBuilder(WorkerProcess.java(), "-jar", WorkerProcess.jar().toString(), "console",
                    "--broker", broker.url(), "--user", "engine", "--password-file", passwordFile.toString(),
                    "--http-address", "127.0.0.1:0", "--host", "h3", "--timeout", "2", "--retry", "0.5", "--refresh", "1")
                    .redirectErrorStream(true).start();
            String url = consoleUrl(console);
            HttpClient http = HttpClient.newHttpClient();
            eventually(WAIT).until(() -> JsonRpc.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url + "api/fleet"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body()).at("/broker/up").asBoolean());
            try (TetherClient engine = TetherClient.connect(broker.url(), "engine", password)) {
                engine.manage("h1", XSS_CID, "file://" + other, t);
                engine.manage("h2", "flow2-data", "file://" + target, t);
            }
            try (Browser browser = starting.get()) {
                mark(start, "browser up");
                try {
                    inTheBrowser(browser, url, broker, h2, target, other, password);
                    mark(start, "done");
                } catch (Throwable e) {
                    // What the page and the console had, for whoever reads the report.
                    System.out.println("page: " + browser.js("return document.body.innerText;"));
                    System.out.println("fleet: " + http.send(HttpRequest.newBuilder(URI.create(url + "api/fleet")).build(),
                            HttpResponse.BodyHandlers.ofString()).body());
                    browser.screenshot(Path.of("target", "console-failed.png"));
                    throw e;
                }
            } finally {
                console.destroy();
                console.waitFor(20, TimeUnit.SECONDS);
            }
        } finally {
            starting.thenAccept(Browser::close); // if the broker never came up, the browser was not used
        }
    }

    private void inTheBrowser(Browser browser, String url, StandaloneArtemis broker, TestWorker h2, Path target,
            Path other, String password) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        var page = browser.driver();
        page.get(url);
        browser.js("window.__sameDocument = true;");

        // Both hosts and their connections, and h3, which the broker does not know.
        String targetKey = "file://" + target;
        String otherKey = "file://" + other;
        eventually(WAIT).until(() -> "CONNECTED".equals(cellState(browser, "h1", targetKey))
                && "CONNECTED".equals(cellState(browser, "h2", targetKey)) && "CONNECTED".equals(cellState(browser, "h1", otherKey)));
        eventually(WAIT).until(() -> page.findElement(row("h3")).getAttribute("textContent").contains("not answering: host h3 has no request queue"));
        eventually(WAIT).until(() -> page.findElement(row("h3")).getAttribute("class").contains("unanswering"));
        assertEquals("", cellState(browser, "h2", otherKey), "h2 has no such connection");
        // The page redraws as events and lists arrive: an element read once may be replaced under the
        // read, so every read of the page waits for its text (and ignores a redrawn element meanwhile).
        eventually(WAIT).until(() -> page.findElement(By.id("summary")).getText().startsWith("3 hosts, 3 connections, 0 not connected"));

        // The CID that is markup shows as text, and runs nothing.
        click(browser, "h1", otherKey);
        eventually(WAIT).until(() -> page.findElements(By.cssSelector("#detail-cids li")).size() == 1);
        eventually(WAIT).until(() -> XSS_CID.equals(page.findElement(By.cssSelector("#detail-cids li")).getText()));
        assertTrue(page.findElements(By.tagName("img")).isEmpty(), "no element was made from the CID");
        assertThrows(NoAlertPresentException.class, () -> page.switchTo().alert());

        // The target taken away: the cell turns DISCONNECTED with the error in the detail, no reload.
        Path away = Files.move(target, tmp.resolve("target-away"));
        eventually(WAIT).until(() -> "DISCONNECTED".equals(cellState(browser, "h1", targetKey)));
        // Red, as the legend says, though the worker sends it with health DEGRADED [NOT_CONNECTED].
        eventually(WAIT).until(() -> "rgb(198, 40, 40)".equals(browser.js("return getComputedStyle(arguments[0]).backgroundColor;",
                browser.js(FIND_CELL, "h1", targetKey))));
        click(browser, "h1", targetKey);
        eventually(WAIT).until(() -> page.findElement(By.id("detail-error")).getText()
                .startsWith("453 StorageServerValidationError: directory " + target + " does not exist"));
        eventually(WAIT).until(() -> "flow1-data".equals(page.findElement(By.cssSelector("#detail-cids li")).getText()));
        eventually(WAIT).until(() -> page.findElement(By.id("detail-events")).getText().contains("STATE DISCONNECTED"));
        eventually(WAIT).until(() -> page.findElement(By.id("summary")).getText().contains("2 not connected"));
        // The worker retries it: how many attempts failed and when it tries next, from its list (--refresh 1).
        eventually(WAIT).until(() -> page.findElement(By.id("detail-retry")).getText()
                .matches("[1-9][0-9]* failed in a row, next at \\d\\d:\\d\\d:\\d\\d UTC \\((in .+|due)\\)"));
        browser.screenshot(Path.of("target", "console-disconnected.png"));

        // ... and back to CONNECTED once it is back.
        Files.move(away, target);
        eventually(WAIT).until(() -> "CONNECTED".equals(cellState(browser, "h1", targetKey))
                && "CONNECTED".equals(cellState(browser, "h2", targetKey)));
        eventually(WAIT).until(() -> "-".equals(page.findElement(By.id("detail-retry")).getText()));
        assertEquals(Boolean.TRUE, browser.js("return window.__sameDocument === true;"), "the page was not reloaded");

        // The filter: a host's id shows its row alone, a connection's text its column alone.
        page.findElement(By.id("filter")).sendKeys("h2");
        eventually(WAIT).until(() -> page.findElements(By.cssSelector("#matrix tbody tr")).size() == 1);
        page.findElement(By.id("filter")).clear();
        page.findElement(By.id("filter")).sendKeys("other");
        eventually(WAIT).until(() -> page.findElements(By.cssSelector("#matrix thead th.key")).size() == 1);
        // A CID: the row and the column of its connection.
        page.findElement(By.id("filter")).clear();
        page.findElement(By.id("filter")).sendKeys("flow2-data");
        eventually(WAIT).until(() -> page.findElements(By.cssSelector("#matrix tbody tr")).size() == 1
                && "h2".equals(page.findElement(By.cssSelector("#matrix tbody tr")).getAttribute("data-host"))
                && page.findElements(By.cssSelector("#matrix thead th.key")).size() == 1);
        page.findElement(By.id("filter")).clear();
        browser.js("document.getElementById('filter').dispatchEvent(new Event('input'));");
        eventually(WAIT).until(() -> page.findElements(By.cssSelector("#matrix tbody tr")).size() == 3);

        // The JSON API and unknown paths.
        HttpResponse<String> fleet = http.send(HttpRequest.newBuilder(URI.create(url + "api/fleet")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, fleet.statusCode());
        JsonNode hosts = JsonRpc.MAPPER.readTree(fleet.body()).path("hosts");
        assertEquals(List.of("flow1-data"), List.of(hosts.at("/h1/connections").get(targetKey).path("cids").get(0).asText()));
        assertEquals(XSS_CID, hosts.at("/h1/connections").get(otherKey).path("cids").get(0).asText());
        assertEquals("CONNECTED", hosts.at("/h2/connections").get(targetKey).path("state").asText());
        assertTrue(hosts.at("/h1/seq").asLong() > 0);
        assertTrue(hosts.at("/h1/connections").get(targetKey).path("since").isTextual());
        assertFalse(hosts.at("/h3/answering").asBoolean());
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(url + "nope")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(url + "api/nope")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(fleet.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));

        // The broker goes away: a banner, the last state kept; it comes back: the page follows again.
        broker.stop();
        eventually(WAIT).until(() -> page.findElement(By.id("banner")).isDisplayed()
                && page.findElement(By.id("banner")).getText().startsWith("Broker unreachable"));
        assertEquals("CONNECTED", cellState(browser, "h1", targetKey), "the last known state stays");
        eventually(WAIT).until(() -> ((WebElement) browser.js(FIND_CELL, "h1", targetKey)).getAttribute("class").contains("stale"));
        assertFalse(page.findElements(By.cssSelector("#events li")).isEmpty(), "the events before the outage stay");
        browser.screenshot(Path.of("target", "console-broker-down.png"));
        broker.start();
        eventually(Duration.ofSeconds(120)).until(() -> !page.findElement(By.id("banner")).isDisplayed());
        eventually(WAIT).until(() -> !((WebElement) browser.js(FIND_CELL, "h1", targetKey)).getAttribute("class").contains("stale"));
        try (TetherClient engine = TetherClient.connect(broker.url(), "engine", password)) {
            engine.manage("h2", "flow2-more", "file://" + other, Duration.ofSeconds(120));
        }
        eventually(Duration.ofSeconds(120)).until(() -> "CONNECTED".equals(cellState(browser, "h2", otherKey)));
        assertEquals(Boolean.TRUE, browser.js("return window.__sameDocument === true;"), "the page was not reloaded");
        click(browser, "h1", targetKey);
        browser.screenshot(Path.of("target", "console.png"));

        // A worker that stops is seen at the next list (--refresh): its row says so, its cells stay.
        h2.stop();
        eventually(WAIT).until(() -> page.findElement(row("h2")).getAttribute("textContent").contains("not answering: no answer to a list"));
        assertEquals("CONNECTED", cellState(browser, "h2", targetKey));
    }

    /** Where the time goes, in the test's output. */
    private static void mark(long start, String what) {
        System.out.printf("%.1f s: %s%n", (System.nanoTime() - start) / 1e9, what);
    }

    /** Reads the console's first line, which says where it serves. */
    private static String consoleUrl(Process console) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(console.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        Matcher m = Pattern.compile("console: (http://127\\.0\\.0\\.1:\\d+/) ").matcher(String.valueOf(line));
        assertTrue(m.find(), "the console's first line: " + line);
        // Keep reading, so the console never blocks on a full pipe.
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "console-output");
        drain.setDaemon(true);
        drain.start();
        return m.group(1);
    }

    /** A wait that looks again when the page redrew what it was looking at (a stale element). */
    private static org.awaitility.core.ConditionFactory eventually(Duration atMost) {
        return await().atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions();
    }

    private static By row(String host) {
        return By.cssSelector("#matrix tbody tr[data-host='" + host + "']");
    }

    private static final String FIND_CELL = "const tr = document.querySelector('#matrix tbody tr[data-host=\"' + CSS.escape(arguments[0]) + '\"]');"
            + " if (!tr) return null; for (const td of tr.cells) { if (td.dataset.key === arguments[1]) return td; } return null;";

    /** Clicks the cell of {@code host} and {@code key}, as a user does. */
    private static void click(Browser browser, String host, String key) {
        eventually(WAIT).until(() -> {
            ((WebElement) browser.js(FIND_CELL, host, key)).click();
            return true;
        });
    }

    /** The state the cell shows, "" for an empty cell, null when there is no such cell yet. */
    private static String cellState(Browser browser, String host, String key) {
        return (String) browser.js(FIND_CELL.replace("return td;", "return td.dataset.state || '';"), host, key);
    }
}
