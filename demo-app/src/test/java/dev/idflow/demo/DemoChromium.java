package dev.idflow.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium for the demo's browser tests, as servlet-adapter's HostedBrowser starts it. */
final class DemoChromium {
    private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run");

    private DemoChromium() {
    }

    /** Skipped without Chromium, except under CI=true, where that fails. */
    static void require() {
        if (Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            return;
        }
        String message = "Chromium is not installed; install it with: apt-get install -y chromium chromium-driver";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("CI=true and the browser tests cannot run: " + message);
        }
        Assumptions.abort("browser test skipped: " + message);
    }

    /**
     * A driver on /usr/bin/chromium and /usr/bin/chromedriver, given explicitly (never Selenium Manager), with the
     * common flags, {@code extraFlags}, and whatever {@code more} sets on the options.
     */
    static ChromeDriver start(List<String> extraFlags, Consumer<ChromeOptions> more) {
        System.setProperty("SE_AVOID_STATS", "true");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        List<String> flags = new ArrayList<>(FLAGS);
        flags.addAll(extraFlags);
        options.addArguments(flags);
        more.accept(options);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
