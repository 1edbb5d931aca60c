package dev.idflow.servlet;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven by Debian's chromedriver given explicitly (no driver download,
 * no Selenium Manager), with a fake camera. When Chromium is missing the browser tests skip, except
 * under {@code CI=true}, where that is a failure: CI must run them.
 */
final class HostedBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;

    /** Fails under CI=true, else skips the calling test class, when there is no Chromium to drive. */
    static void requireChromium() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (present) {
            return;
        }
        String message = "Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER + "); "
                + "install it with: apt-get install -y chromium chromium-driver";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("CI=true and the browser tests cannot run: " + message);
        }
        Assumptions.abort("browser tests skipped: " + message);
    }

    /** A phone 412 px wide that grants the fake camera without asking. */
    static HostedBrowser phone() {
        return phone(412);
    }

    /** A phone {@code width} css px wide (360–412) that grants the fake camera without asking. */
    static HostedBrowser phone(int width) {
        return new HostedBrowser(true, Map.of(), width, 860, true);
    }

    /** A phone {@code width} × {@code height} css px that grants the fake camera without asking. */
    static HostedBrowser phone(int width, int height) {
        return new HostedBrowser(true, Map.of(), width, height, true);
    }

    /** A phone whose camera the person has blocked (and no fake prompt-accepting UI). */
    static HostedBrowser cameraBlocked(int width) {
        return new HostedBrowser(false, Map.of("profile.default_content_setting_values.media_stream_camera", 2),
                width, 860, true);
    }

    static HostedBrowser desktop() {
        return new HostedBrowser(true, Map.of(), 1280, 900, false);
    }

    /** A desktop window {@code width} × {@code height} px (e.g. 768 wide, a tablet or a narrow window). */
    static HostedBrowser desktop(int width, int height) {
        return new HostedBrowser(true, Map.of(), width, height, false);
    }

    /**
     * A phone 412 px wide whose fake camera films {@code y4m} (a YUV4MPEG2 video, played from its start when
     * the camera opens, in a loop) instead of Chromium's test pattern.
     */
    static HostedBrowser phoneFilming(Path y4m) {
        return new HostedBrowser(true, Map.of(), 412, 860, true,
                List.of("--use-file-for-fake-video-capture=" + y4m.toAbsolutePath()));
    }

    private HostedBrowser(boolean grantCamera, Map<String, Object> prefs, int width, int height, boolean phone) {
        this(grantCamera, prefs, width, height, phone, List.of());
    }

    private HostedBrowser(boolean grantCamera, Map<String, Object> prefs, int width, int height, boolean phone,
                          List<String> extraArgs) {
        requireChromium();
        System.setProperty("SE_AVOID_STATS", "true");
        try {
            profile = Files.createTempDirectory("idflow-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        List<String> args = new ArrayList<>(List.of(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--use-fake-device-for-media-stream",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile.toAbsolutePath()));
        if (grantCamera) {
            args.add("--use-fake-ui-for-media-stream");
        }
        args.addAll(extraArgs);
        options.addArguments(args);
        if (!prefs.isEmpty()) {
            options.setExperimentalOption("prefs", prefs);
        }
        if (phone) {
            // a desktop window cannot be narrower than ~500 px; a phone's viewport is 360–412 css px
            options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
                    Map.of("width", width, "height", height, "pixelRatio", 2.0, "touch", true)));
        }
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    WebDriverWait waiting(Duration d) {
        WebDriverWait wait = new WebDriverWait(driver, d, Duration.ofMillis(100));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return wait;
    }

    /** Waits until the page shows the screen {@code id} (its data-screen) and returns it. */
    WebElement screen(String id, Duration timeout) {
        try {
            return waiting(timeout).until(d -> id.equals(currentScreen())
                    ? d.findElement(By.cssSelector("#main > [data-screen]")) : null);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the page did not show screen \"" + id + "\" within " + timeout
                    + "; it shows \"" + currentScreen() + "\": " + mainText() + "\nbrowser console: " + console(), e);
        }
    }

    WebElement screen(String id) {
        return screen(id, Duration.ofSeconds(15));
    }

    String currentScreen() {
        try {
            Object screen = js("const s = document.querySelector('#main > [data-screen]');"
                    + " return s ? s.getAttribute('data-screen') : '(none)'");
            return String.valueOf(screen);
        } catch (RuntimeException e) {
            return "(page gone: " + driver.getCurrentUrl() + ")";
        }
    }

    String mainText() {
        try {
            return driver.findElement(By.id("main")).getText();
        } catch (RuntimeException e) {
            return "";
        }
    }

    String heading() {
        return driver.findElement(By.cssSelector("#main h1")).getText();
    }

    void click(String id) {
        waiting(Duration.ofSeconds(10)).until(d -> {
            WebElement b = d.findElement(By.id(id));
            return b.isDisplayed() && b.isEnabled() ? b : null;
        }).click();
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Saves the viewport as target/screenshots/{name}.png ({@code name} may name a folder: "sdk/intro"). */
    Path screenshot(String name) {
        try {
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The browser console so far (errors, CSP violations), one line per entry. */
    String console() {
        try {
            StringBuilder out = new StringBuilder();
            for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
                out.append(e.getLevel()).append(' ').append(e.getMessage()).append('\n');
            }
            return out.toString();
        } catch (RuntimeException e) {
            return "(console unavailable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteQuietly(profile.toFile());
        }
    }

    private static void deleteQuietly(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteQuietly(c);
            }
        }
        f.delete();
    }
}
