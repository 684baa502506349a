package io.tether.console;

import io.tether.testing.Requirements;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real browser for the console's tests: Debian's chromium, headless, driven through Debian's
 * chromedriver by Selenium WebDriver (.ci/run installs both). Nothing is downloaded: the driver
 * and the browser are named by path, so Selenium Manager is never asked.
 */
public final class Browser implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriver driver;
    private boolean closed;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** Starts a headless chromium with a window of {@code width} x {@code height}. */
    public static Browser start(int width, int height) {
        Requirements.need(Files.isExecutable(CHROMIUM), "chromium is missing: apt-get install chromium");
        Requirements.need(Files.isExecutable(CHROMEDRIVER), "chromedriver is missing: apt-get install chromium-driver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=" + width + "," + height, "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(60));
        return new Browser(driver);
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Saves what the browser shows as a PNG. */
    public Path screenshot(Path file) throws Exception {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    /** Runs {@code script} in the page and returns what it returns. */
    public Object js(String script, Object... args) {
        return ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(script, args);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            driver.quit();
        }
    }
}
