package io.tether.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.client.TetherClient;
import io.tether.http.HttpAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The console's page in a real browser (headless chromium) as an operator reads it through a
 * day: a real console server whose fleet the test hands in as the broker's listener and the list
 * calls would (lists and events of four hosts: NFS, iSCSI and local connections, one target down,
 * one mount slow, one host not answering), so each case is exact and quick. The broker itself is
 * never reached: the test says when the console has it and when it lost it. The page's clock is
 * fixed ({@code ?now=}) twelve minutes after the target went down.
 *
 * <p>{@link ConsoleIT} drives the same page from real workers; this test also writes
 * {@code target/console-page.png}, the picture in docs/console.md and the README.
 */
class ConsolePageIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NFS = "nfs://filer.example.com/exports/data";
    private static final String LUN1 = "iscsi://san1.example.com/iqn.2003-01.org.example:vg1";
    private static final String LUN2 = "iscsi://san2.example.com/iqn.2003-01.org.example:vg1";
    private static final String ISO = "file:///srv/iso";
    private static final String DOWN_AT = "2026-11-24T09:01:43Z";
    private static final String NOW = "2026-11-24T09:13:50Z";

    /** A broker the console waits for until it closes: the test tells the state when it is up or lost. */
    private static final BrokerAccess WAITING = new BrokerAccess() {
        @Override
        public TetherClient connect() throws Exception {
            new CountDownLatch(1).await();
            throw new IllegalStateException("not reached");
        }

        @Override
        public String describe(Exception e) {
            return String.valueOf(e.getMessage());
        }
    };

    /** Records every text and class the banner has, from before the page's own script runs. */
    private static final String BANNER_RECORDER = "window.__banners = []; new MutationObserver(() => {"
            + " const b = document.getElementById('banner'); if (!b) return;"
            + " const now = b.hidden ? 'hidden' : b.className + ': ' + b.textContent;"
            + " if (window.__banners[window.__banners.length - 1] !== now) window.__banners.push(now);"
            + "}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});";

    private ConsoleServer console;
    private FleetState state;
    private Browser browser;
    private String url;

    @BeforeEach
    void start() throws Exception {
        console = ConsoleServer.start(new ConsoleServer.Settings(new HttpAddress("127.0.0.1", 0), List.of(),
                Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofHours(1)), WAITING);
        state = console.state();
        url = "http://127.0.0.1:" + console.port() + "/?now=" + NOW;
        browser = Browser.start(1400, 800);
        browser.driver().executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", BANNER_RECORDER));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (console != null) {
            console.close();
        }
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anOperatorsDay() throws Exception {
        try {
            // Before the broker is reached: neutral words, never a failure.
            browser.driver().get(url);
            eventually().until(() -> banner().equals("pending: Connecting to the broker…"));
            assertEquals("pending: Connecting to the console server…",
                    banners().stream().filter(b -> !"hidden".equals(b)).findFirst().orElse(null), "the first banner: " + banners());
            assertTrue(banners().stream().noneMatch(b -> b.startsWith("failing")), "no failure shown: " + banners());

            fleet();
            eventually().until(() -> "hidden".equals(banner()));
            eventually().until(() -> "DISCONNECTED".equals(cellState("hv01", LUN1)));
            eventually().until(() -> browser.driver().findElement(By.id("summary")).getText()
                    .equals("4 hosts, 10 connections, 2 not connected, 1 degraded, 1 hosts not answering"));
            colours();
            labels();
            detailAndDurations();
            filters();
            hostView();
            browser.screenshot(Path.of("target", "console-page.png"));
            outage();
        } catch (Throwable e) {
            System.out.println("page: " + browser.js("return document.body.innerText;"));
            System.out.println("banners: " + banners());
            browser.screenshot(Path.of("target", "console-page-failed.png"));
            throw e;
        }
    }

    /** Red for every DISCONNECTED cell (its health DEGRADED [NOT_CONNECTED] notwithstanding), orange only for a degraded CONNECTED one. */
    private void colours() {
        assertEquals(RED, background(cell("hv01", LUN1)), "DISCONNECTED, health DEGRADED NOT_CONNECTED: red");
        assertEquals(ORANGE, background(cell("hv02", NFS)), "CONNECTED, health DEGRADED SLOW: orange");
        assertEquals(GREEN, background(cell("hv01", NFS)));
        assertEquals(AMBER, background(cell("hv02", LUN2)), "CONNECTING, health DEGRADED NOT_CONNECTED: amber");
        // The legend says the same.
        assertEquals(RED, background(browser.driver().findElement(By.cssSelector(".legend.s-DISCONNECTED"))));
        assertEquals(ORANGE, background(browser.driver().findElement(By.cssSelector(".legend.degraded"))));
    }

    /** Two targets with one IQN on two portals: two headings that differ. */
    private void labels() {
        String first = heading(LUN1);
        String second = heading(LUN2);
        assertNotEquals(first, second);
        assertTrue(first.contains("san1") && second.contains("san2"), first + " / " + second);
    }

    /** The detail: red as its cell, how long it has been down, and the events kept since before the page opened. */
    private void detailAndDurations() {
        cell("hv01", LUN1).click();
        eventually().until(() -> text("detail-since").equals(DOWN_AT + " (down for 12 min)"));
        assertEquals(RED, background(browser.driver().findElement(By.id("detail-state"))));
        eventually().until(() -> text("detail-error").startsWith("464 iSCSILoginError: iscsiadm: login failed"));
        assertTrue(text("detail-error").endsWith("(at 2026-11-24T09:13:20Z, 30 s ago)"), text("detail-error"));
        // The retry count and the next attempt, from the list: in the detail and the cell's tooltip.
        assertEquals("3 failed in a row, next at 09:14:20 UTC (in 30 s)", text("detail-retry"));
        assertTrue(titleOf(cell("hv01", LUN1)).contains("\nretry: 3 failed in a row, next at 09:14:20 UTC (in 30 s)"),
                titleOf(cell("hv01", LUN1)));
        cell("hv01", NFS).click();
        eventually().until(() -> text("detail-key").equals(NFS));
        assertEquals("-", text("detail-retry"), "a connection not retrying");
        assertFalse(titleOf(cell("hv01", NFS)).contains("retry"), titleOf(cell("hv01", NFS)));
        cell("hv01", LUN1).click();
        eventually().until(() -> text("detail-key").equals(LUN1));
        eventually().until(() -> text("detail-events").contains("seq=5 STATE DISCONNECTED " + LUN1));
        List<WebElement> log = browser.driver().findElements(By.cssSelector("#events li"));
        assertEquals(2, log.size(), "the events before the page opened: " + text("events"));
        assertTrue(log.get(0).getText().contains("2026-11-24T09:10:05Z hv02 seq=3 HEALTH CONNECTED " + NFS), log.get(0).getText());
    }

    /** The filter by host, key or CID; a message when nothing matches; show failing; worst first. */
    private void filters() {
        filter("lun-2");
        eventually().until(() -> rows().equals(List.of("hv02")) && columns().equals(List.of(LUN2)));
        assertFalse(displayed("detail"), "the connection the filter hid is not shown");
        filter("no-such-thing");
        eventually().until(() -> rows().isEmpty() && displayed("no-match"));
        assertEquals("No host, connection or CID matches “no-such-thing”.", text("no-match"));
        filter("");
        eventually().until(() -> rows().equals(List.of("hv01", "hv02", "hv03", "hv04")));
        assertFalse(displayed("no-match"));

        choose("show", "failing");
        eventually().until(() -> rows().equals(List.of("hv01", "hv02", "hv04")));
        assertEquals(List.of(LUN1, LUN2, NFS), columns(), "the columns with a failing connection");
        choose("show", "all");
        choose("order", "worst");
        // Not answering first, then by connections down, connecting, degraded.
        eventually().until(() -> rows().equals(List.of("hv04", "hv01", "hv02", "hv03")));
        choose("order", "name");
        eventually().until(() -> rows().equals(List.of("hv01", "hv02", "hv03", "hv04")));
    }

    /** Clicking a host: its view, worst first, with how long each has been so; a row opens that connection. */
    private void hostView() {
        browser.driver().findElement(By.cssSelector("#matrix tbody tr[data-host='hv02'] th.host")).click();
        eventually().until(() -> displayed("host-view") && text("host-title").equals("hv02"));
        List<String> keys = browser.driver().findElements(By.cssSelector("#host-connections tbody tr")).stream()
                .map(tr -> tr.getAttribute("data-key")).toList();
        assertEquals(List.of(LUN2, NFS, ISO), keys, "connecting, then degraded, then fine");
        assertEquals("connecting for 2 min", browser.driver().findElement(By.cssSelector("#host-connections tbody tr td.for")).getText());
        assertEquals("3: 2 connected (1 degraded), 1 connecting, 0 disconnected", text("host-counts"));
        browser.driver().findElement(By.cssSelector("#host-connections tbody tr")).click();
        eventually().until(() -> displayed("connection-view") && text("detail-key").equals(LUN2));
        cell("hv01", LUN1).click();
        eventually().until(() -> text("detail-key").equals(LUN1));
    }

    /** The broker lost: cells greyed, "last known at"; a page opened meanwhile still shows the last events. */
    private void outage() {
        state.onBrokerDown("lost the broker: connection reset");
        eventually().until(() -> banner().startsWith("failing: Broker unreachable since "));
        eventually().until(() -> cell("hv01", NFS).getAttribute("class").contains("stale"));
        eventually().until(() -> displayed("detail-stale") && text("detail-stale").matches("Last known at \\d\\d:\\d\\d:\\d\\d UTC\\."));
        assertTrue(titleOf(cell("hv01", NFS)).matches("(?s)last known at \\d\\d:\\d\\d:\\d\\d UTC\n.*"), titleOf(cell("hv01", NFS)));
        browser.driver().navigate().refresh();
        eventually().until(() -> cell("hv01", NFS).getAttribute("class").contains("stale"));
        assertEquals(2, browser.driver().findElements(By.cssSelector("#events li")).size(), "the last events, also now");
        assertEquals("grayscale(1)", browser.js("return getComputedStyle(arguments[0]).filter;", cell("hv01", LUN1)));
        state.onBrokerUp();
        eventually().until(() -> !cell("hv01", NFS).getAttribute("class").contains("stale") && "hidden".equals(banner()));
    }

    // ---- the fleet --------------------------------------------------------------------------------

    /** Four hosts as their lists and events give them; hv04 stops answering. */
    private void fleet() throws Exception {
        state.onBrokerUp();
        state.onList("hv01", list(4,
                entry("engine-data-1", NFS, "CONNECTED", "2026-11-24T08:00:00Z", null, health()),
                entry("engine-lun-1", LUN1, "CONNECTED", "2026-11-24T08:00:00Z", null, health()),
                entry("engine-iso-1", ISO, "CONNECTED", "2026-11-24T08:00:00Z", null, health())));
        state.onEvent("hv01", event("hv01", 5, LUN1, "STATE", "DISCONNECTED", DOWN_AT,
                "{\"code\":464,\"name\":\"iSCSILoginError\",\"message\":\"iscsiadm: login failed\",\"at\":\"" + DOWN_AT + "\"}",
                health("NOT_CONNECTED")));
        // The worker tried again since: lastError moved on, state and since did not; it retries.
        state.onList("hv01", list(5,
                entry("engine-data-1", NFS, "CONNECTED", "2026-11-24T08:00:00Z", null, health()),
                retrying(entry("engine-lun-1", LUN1, "DISCONNECTED", DOWN_AT,
                        "{\"code\":464,\"name\":\"iSCSILoginError\",\"message\":\"iscsiadm: login failed\",\"at\":\"2026-11-24T09:13:20Z\"}",
                        health("NOT_CONNECTED")), 3, "2026-11-24T09:14:20Z"),
                entry("engine-iso-1", ISO, "CONNECTED", "2026-11-24T08:00:00Z", null, health())));
        state.onList("hv02", list(2,
                entry("engine-data-2", NFS, "CONNECTED", "2026-11-24T08:00:00Z", null, health()),
                entry("lun-2", LUN2, "CONNECTING", "2026-11-24T09:11:40Z", null, health("NOT_CONNECTED")),
                entry("engine-iso-2", ISO, "CONNECTED", "2026-11-24T08:00:00Z", null, health())));
        state.onEvent("hv02", event("hv02", 3, NFS, "HEALTH", "CONNECTED", "2026-11-24T09:10:05Z", null, health("SLOW")));
        state.onList("hv03", list(7,
                entry("engine-data-3", NFS, "CONNECTED", "2026-11-24T08:00:00Z", null, health()),
                entry("engine-lun-3", LUN1, "CONNECTED", "2026-11-24T08:00:00Z", null, health()),
                entry("engine-iso-3", ISO, "CONNECTED", "2026-11-24T08:00:00Z", null, health())));
        state.onList("hv04", list(1, entry("engine-data-4", NFS, "CONNECTED", "2026-11-24T08:00:00Z", null, health())));
        state.onNoAnswer("hv04", "no answer to a list within 2000 ms");
    }

    private static String health(String... reasons) {
        return "{\"status\":\"" + (reasons.length == 0 ? "OK" : "DEGRADED") + "\",\"reasons\":["
                + String.join(",", java.util.Arrays.stream(reasons).map(r -> "\"" + r + "\"").toList())
                + "],\"delayMs\":" + (List.of(reasons).contains("SLOW") ? 7312 : 3) + ",\"checkedAt\":\"2026-11-24T09:13:00Z\"}";
    }

    private static String entry(String cid, String key, String state, String since, String lastError, String health) {
        String type = key.substring(0, key.indexOf("://"));
        return "\"" + cid + "\":{\"managed\":true,\"connected\":" + "CONNECTED".equals(state) + ",\"state\":\"" + state
                + "\",\"connectionKey\":\"" + key + "\",\"since\":\"" + since + "\",\"lastError\":" + lastError
                + ",\"health\":" + health + ",\"connectionInfo\":{\"type\":\"" + type + "\"}}";
    }

    /** {@code entry} with the list's {@code retry}: the monitor's failed attempts in a row and its next one. */
    private static String retrying(String entry, int failures, String nextAttemptAt) {
        return entry.substring(0, entry.length() - 1) + ",\"retry\":{\"failures\":" + failures + ",\"nextAttemptAt\":\""
                + nextAttemptAt + "\"}}";
    }

    private static JsonNode list(long seq, String... entries) throws Exception {
        return JsonRpc.MAPPER.readTree("{\"seq\":" + seq + ",\"connections\":{" + String.join(",", entries) + "}}");
    }

    private static JsonNode event(String host, long seq, String key, String change, String state, String at, String lastError,
            String health) throws Exception {
        String type = key.substring(0, key.indexOf("://"));
        return JsonRpc.MAPPER.readTree("{\"hostId\":\"" + host + "\",\"seq\":" + seq + ",\"at\":\"" + at
                + "\",\"connectionKey\":\"" + key + "\",\"connectionIdCount\":1,\"changedIds\":[],\"state\":\"" + state
                + "\",\"connected\":" + "CONNECTED".equals(state) + ",\"lastError\":" + lastError + ",\"health\":" + health
                + ",\"connectionInfo\":{\"type\":\"" + type + "\"},\"change\":\"" + change + "\"}");
    }

    // ---- reading the page -------------------------------------------------------------------------

    private static final String RED = "rgb(198, 40, 40)";
    private static final String ORANGE = "rgb(239, 108, 0)";
    private static final String GREEN = "rgb(46, 125, 50)";
    private static final String AMBER = "rgb(249, 168, 37)";

    private static org.awaitility.core.ConditionFactory eventually() {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions();
    }

    private String banner() {
        WebElement b = browser.driver().findElement(By.id("banner"));
        return b.isDisplayed() ? b.getAttribute("className") + ": " + b.getText() : "hidden";
    }

    @SuppressWarnings("unchecked")
    private List<String> banners() {
        return (List<String>) browser.js("return window.__banners || [];");
    }

    private WebElement cell(String host, String key) {
        return (WebElement) browser.js("const tr = document.querySelector('#matrix tbody tr[data-host=\"' + CSS.escape(arguments[0]) + '\"]');"
                + " for (const td of tr.cells) { if (td.dataset.key === arguments[1]) return td; } return null;", host, key);
    }

    private String cellState(String host, String key) {
        WebElement td = cell(host, key);
        return td == null ? null : td.getAttribute("data-state");
    }

    private String background(WebElement element) {
        return (String) browser.js("return getComputedStyle(arguments[0]).backgroundColor;", element);
    }

    private String heading(String key) {
        return (String) browser.js("for (const th of document.querySelectorAll('#matrix th.key')) {"
                + " if (th.dataset.key === arguments[0]) return th.textContent; } return null;", key);
    }

    private String titleOf(WebElement td) {
        browser.js("arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));", td);
        return td.getAttribute("title");
    }

    private String text(String id) {
        return browser.driver().findElement(By.id(id)).getText();
    }

    private boolean displayed(String id) {
        return browser.driver().findElement(By.id(id)).isDisplayed();
    }

    @SuppressWarnings("unchecked")
    private List<String> rows() {
        return (List<String>) browser.js("return Array.from(document.querySelectorAll('#matrix tbody tr')).map(tr => tr.dataset.host);");
    }

    @SuppressWarnings("unchecked")
    private List<String> columns() {
        return (List<String>) browser.js("return Array.from(document.querySelectorAll('#matrix th.key')).map(th => th.dataset.key);");
    }

    /** Picks {@code value} in the select {@code id}, as a user does. */
    private void choose(String id, String value) {
        browser.js("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                + " s.dispatchEvent(new Event('change'));", id, value);
    }

    private void filter(String text) {
        WebElement filter = browser.driver().findElement(By.id("filter"));
        filter.clear();
        filter.sendKeys(text);
        browser.js("document.getElementById('filter').dispatchEvent(new Event('input'));");
    }
}
