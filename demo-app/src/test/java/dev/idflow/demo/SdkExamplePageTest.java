package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web SDK's example page of the demo, {@code /sdk/example}: a static page that creates nothing,
 * under a strict CSP, beside the SDK; and, in headless Chromium with the fake camera, the page run
 * with a token in its fragment shows what {@code start()} resolved with.
 */
class SdkExamplePageTest {
    private static final String KEY = "demo-sdk-test-key-7c2e9a4f1b6d3085";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static DemoMain.Demo demo;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--consumer", "bank:" + KEY}), new PrintStream(new ByteArrayOutputStream()));
        base = "http://127.0.0.1:" + demo.port();
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.stop();
        }
    }

    @Test
    void theExamplePageIsStaticUnderAStrictCspBesideTheSdk() throws Exception {
        HttpResponse<String> page = get("/sdk/example");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("http", "unsafe");
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/sdk/example/example.js\"></script>")
                .contains("href=\"/sdk/example/example.css\"").doesNotContain("<script>");

        HttpResponse<String> script = get("/sdk/example/example.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(script.body()).contains("import { start } from '../idflow-liveness.js';");
        assertThat(get("/sdk/example/example.css").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/css");
        assertThat(get("/sdk/idflow-liveness.js").statusCode()).isEqualTo(200);
        assertThat(get("/sdk/example/other.js").statusCode()).isEqualTo(404);
    }

    @Test
    void aTokenInTheFragmentRunsTheSessionAndThePageShowsWhatStartResolvedWith() throws Exception {
        requireChromium();
        String person = "sdk-example-person-1";
        assertThat(post("/mockery/result", "{\"person_id\":\"" + person
                + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}").statusCode()).isEqualTo(200);
        HttpResponse<String> opened = post("/liveness2/session", "{\"person_id\":\"" + person + "\",\"max_retries\":1}");
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(201);
        JsonNode session = JSON.readTree(opened.body());
        String token = session.get("access_token").asText();

        ChromeDriver driver = chromium();
        try {
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(40), Duration.ofMillis(100));
            driver.get(base + "/sdk/example#token=" + token + "&locale=ru");
            wait.until(d -> d.findElements(By.cssSelector("#kyc > .idflow-liveness")).size() == 1);
            // the token leaves the address bar (and the history) as soon as the page has read it
            assertThat(driver.getCurrentUrl()).isEqualTo(base + "/sdk/example");
            var shadow = driver.findElement(By.cssSelector("#kyc > .idflow-liveness")).getShadowRoot();
            wait.until(d -> !shadow.findElements(By.cssSelector("#live-begin")).isEmpty());
            assertThat(shadow.findElement(By.cssSelector("h1")).getText()).isEqualTo("Проверка лица");
            screenshot(driver, "sdk-example-1-intro");
            shadow.findElement(By.cssSelector("#live-begin")).click();

            wait.until(d -> d.findElement(By.id("result")).getText().contains("success"));
            JsonNode result = JSON.readTree(driver.findElement(By.id("result")).getText());
            assertThat(result).isEqualTo(JSON.readTree("{\"success\":true,\"errorCode\":null,\"attemptsLeft\":1}"));
            assertThat(driver.findElement(By.id("progress")).getText()).contains("\"stage\":\"done\"");
            screenshot(driver, "sdk-example-2-resolved");
        } finally {
            driver.quit();
        }
        HttpResponse<String> journal = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/journal/session/"
                        + session.get("session_id").asText()))
                .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(journal.body()).at("/result/service_status").asText()).isEqualTo("real");
    }

    // ------------------------------------------------------------------ helpers

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void requireChromium() {
        DemoChromium.require();
    }

    /** Debian's headless Chromium and chromedriver, given explicitly, with a fake camera it grants unasked. */
    private static ChromeDriver chromium() {
        return DemoChromium.start(List.of("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--window-size=800,1400"), o -> o.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
                Map.of("width", 412, "height", 1200, "pixelRatio", 2.0, "touch", true))));
    }

    private static void screenshot(ChromeDriver driver, String name) throws Exception {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }
}
