package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in the demo, in headless Chromium: an operator signs in through the demo's
 * form, filters the flows, opens one, sees its best frame, approves a session with a reason (the
 * consumer API then says {@code check_type: edited}); an operator of another consumer sees none of it;
 * a change without the CSRF token is refused; and every page, in kk, ru and en, is photographed
 * (demo-app/target/console-screenshots/) and checked for its language and a translated heading.
 */
class ConsoleBrowserTest {
    private static final String ALICE_KEY = "console-demo-key-1-4c8e2a6f1b9d3057";
    private static final String BOB_KEY = "console-other-key-1-7e3a9c5f1d2b8046";
    private static final String ALICE_PASSWORD = "alice-console-pw-1";
    private static final String BOB_PASSWORD = "bob-console-pw-2";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    /** A desktop window (the console is desktop first). */
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 1000;
    /** The h1 of each page in each locale (servlet-adapter's console/i18n.js). */
    private static final Map<String, Map<String, String>> HEADINGS = Map.of(
            "en", Map.of("list", "Flows", "flow", "Flow", "charts", "Charts", "kyc", "KYC lists",
                    "data", "Data and retention", "audit", "Audit trail", "login", "Sign in to the operator console"),
            "ru", Map.of("list", "Проверки", "flow", "Проверка", "charts", "Графики", "kyc", "Списки KYC",
                    "data", "Данные и хранение", "audit", "Журнал аудита", "login", "Вход в консоль оператора"),
            "kk", Map.of("list", "Тексерулер", "flow", "Тексеру", "charts", "Графиктер", "kyc", "KYC тізімдері",
                    "data", "Деректер және сақтау", "audit", "Аудит журналы", "login", "Оператор консоліне кіру"));

    private static DemoMain.Demo demo;
    private static String base;
    private static ChromeDriver driver;
    private static WebDriverWait wait;
    /**
     * alice's (consumer demo): a passed liveness with a best frame; a failed attempt (its session failed, the
     * step offered again, so the flow still runs); one not started.
     */
    private static Flow passed;
    private static Flow failed;
    private static Flow waiting;
    /** bob's (consumer other-consumer). */
    private static Flow bobs;

    record Flow(String flowId, String personId, String sessionId) {
    }

    @BeforeAll
    static void start() throws Exception {
        requireChromium();
        demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--no-face-analysis", "--consumer", "demo:" + ALICE_KEY, "--consumer", "other-consumer:" + BOB_KEY,
                "--operator", "alice:" + ALICE_PASSWORD + ":demo", "--operator", "bob:" + BOB_PASSWORD + ":other-consumer",
                "--kyc-list", "demo:blocked:iin:880101300123"}), new PrintStream(new ByteArrayOutputStream()));
        base = "http://127.0.0.1:" + demo.port();
        passed = livenessFlow(ALICE_KEY, "console-person-pass", "real");
        failed = livenessFlow(ALICE_KEY, "console-person-fail", "attack");
        waiting = notStartedFlow(ALICE_KEY, "console-person-wait");
        bobs = notStartedFlow(BOB_KEY, "console-person-bob");
        driver = chromium();
        wait = new WebDriverWait(driver, Duration.ofSeconds(30), Duration.ofMillis(100));
        // the views render again after a change: an element read while it is replaced is read again
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (demo != null) {
            demo.stop();
        }
    }

    @AfterEach
    void signOut() {
        // each test signs in afresh: no session cookie, no remembered language or consumer
        driver.get(base + "/console/login");
        driver.manage().deleteAllCookies();
        driver.executeScript("localStorage.clear()");
    }

    @Test
    void anOperatorSignsInThroughTheFormAndFiltersTheFlows() {
        driver.get(base + "/console/?lang=en");
        wait.until(d -> d.getCurrentUrl().startsWith(base + "/console/login"));
        signIn("alice", ALICE_PASSWORD);
        wait.until(d -> d.getCurrentUrl().startsWith(base + "/console/"));
        wait.until(d -> "alice".equals(d.findElement(By.id("principal")).getText()));
        assertThat(new Select(driver.findElement(By.id("consumer"))).getOptions()).extracting(WebElement::getText)
                .containsExactly("demo");
        wait.until(d -> shownFlows().size() == 3);
        assertThat(shownFlows()).containsExactlyInAnyOrder(passed.flowId(), failed.flowId(), waiting.flowId());

        new Select(driver.findElement(By.id("f-status"))).selectByValue("pass");
        driver.findElement(By.id("apply-filters")).click();
        wait.until(d -> shownFlows().equals(List.of(passed.flowId())));
        assertThat(driver.getCurrentUrl()).contains("status=pass");

        driver.get(base + "/console/#/flows?person_id=" + waiting.personId());
        wait.until(d -> shownFlows().equals(List.of(waiting.flowId())));
        assertThat(driver.findElement(By.id("f-person-id")).getAttribute("value")).isEqualTo(waiting.personId());

        driver.get(base + "/console/#/flows?person_id=nobody-at-all");
        wait.until(d -> d.findElement(By.id("flows-empty")).isDisplayed());
        assertThat(shownFlows()).isEmpty();

        // the row links to the flow's page
        driver.get(base + "/console/#/flows");
        wait.until(d -> shownFlows().size() == 3);
        driver.findElement(By.cssSelector("tr[data-flow-id='" + failed.flowId() + "'] a")).click();
        wait.until(d -> !d.findElements(By.cssSelector("#flow-detail[data-flow-id='" + failed.flowId() + "']")).isEmpty());
        assertThat(el("#flow-status").getText()).isEqualTo("unknown");
        assertThat(el("section.session[data-session-id='" + failed.sessionId() + "'] .session-status").getText())
                .isEqualTo("fail");
    }

    @Test
    void theLoginFormIsUsableFromTheKeyboardAndSaysSoWhenThePasswordIsWrong() {
        driver.get(base + "/console/login?lang=kk");
        wait.until(d -> !d.findElements(By.id("j_username")).isEmpty());
        assertThat(driver.switchTo().activeElement().getAttribute("id")).as("focused at load").isEqualTo("j_username");
        driver.switchTo().activeElement().sendKeys("alice" + Keys.TAB);
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("j_password");
        driver.switchTo().activeElement().sendKeys("not-her-password" + Keys.ENTER);

        waitFor("the login page's error", () -> !driver.findElements(By.id("login-error")).isEmpty()
                && driver.findElement(By.id("login-error")).isDisplayed());
        // back in the language chosen before (kept by login.js), though the error page's address names none
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("kk");
        assertThat(driver.findElement(By.id("login-error")).getText()).isEqualTo("Пайдаланушы аты немесе құпиясөз қате. Қайталап көріңіз.");
        assertThat(driver.getCurrentUrl()).contains("error=1");

        driver.findElement(By.id("j_username")).sendKeys("alice" + Keys.TAB);
        driver.switchTo().activeElement().sendKeys(ALICE_PASSWORD + Keys.TAB);
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("login-submit");
        driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        waitFor("signed in", () -> "alice".equals(driver.findElement(By.id("principal")).getText()));
    }

    @Test
    void aFlowShowsItsBestFrameAndAnApprovalWithAReasonMakesItEditedForTheConsumerApi() throws Exception {
        signInAs("alice", ALICE_PASSWORD, "en");
        driver.get(base + "/console/#/flows/" + passed.flowId());
        wait.until(d -> !d.findElements(By.cssSelector("#flow-detail[data-flow-id='" + passed.flowId() + "']")).isEmpty());
        assertThat(el("#flow-status").getText()).isEqualTo("pass");
        assertThat(el("#flow-check-type").getText()).isNotEqualTo("edited");
        assertThat(driver.findElements(By.cssSelector("#timeline li"))).isNotEmpty();
        WebElement session = driver.findElement(By.cssSelector("section.session[data-session-id='" + passed.sessionId() + "']"));
        assertThat(session.findElement(By.cssSelector(".session-status")).getText()).isEqualTo("pass");

        WebElement frame = session.findElement(By.cssSelector("img.best-frame"));
        wait.until(d -> Boolean.TRUE.equals(driver.executeScript("return arguments[0].complete", frame)));
        assertThat(((Number) driver.executeScript("return arguments[0].naturalWidth", frame)).intValue())
                .as("the best frame loaded (%s)", frame.getAttribute("src")).isGreaterThan(0);

        session.findElement(By.cssSelector("textarea.review-reason")).sendKeys("face checked against the document by hand");
        session.findElement(By.cssSelector("button.approve")).click();
        wait.until(d -> "edited".equals(d.findElement(By.id("flow-check-type")).getText()));
        assertThat(driver.findElement(By.cssSelector("section.session[data-session-id='" + passed.sessionId()
                + "'] .session-state")).getText()).isEqualTo("reviewed");

        JsonNode result = JSON.readTree(consumerGet(ALICE_KEY, "/flow/" + passed.flowId() + "/result").body());
        assertThat(result.get("check_type").asText()).isEqualTo("edited");
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void anOperatorOfAnotherConsumerSeesNoneOfAlicesFlows() {
        signInAs("bob", BOB_PASSWORD, "en");
        wait.until(d -> !shownFlows().isEmpty());
        assertThat(shownFlows()).containsExactly(bobs.flowId());
        assertThat(new Select(driver.findElement(By.id("consumer"))).getOptions()).extracting(WebElement::getText)
                .containsExactly("other-consumer");

        driver.get(base + "/console/#/flows/" + passed.flowId());
        wait.until(d -> d.findElement(By.id("error")).isDisplayed());
        assertThat(driver.findElement(By.id("error")).getText()).contains("404");
        assertThat(driver.findElements(By.id("flow-detail"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("img.best-frame"))).isEmpty();
        // nor alice's consumer's list, asked for directly
        Map<?, ?> list = fetch("GET", "api/consumers/demo/flows", null, null);
        assertThat(list.get("status")).isEqualTo(404L);
    }

    @Test
    void aChangeWithoutTheCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        signInAs("alice", ALICE_PASSWORD, "en");
        String review = "api/sessions/" + failed.sessionId() + "/review";
        String body = "{\"outcome\":\"pass\",\"reason\":\"no token\"}";

        Map<?, ?> without = fetch("POST", review, body, null);
        Map<?, ?> forged = fetch("POST", review, body, "1796301435.00000000000000000000000000000000");

        for (Map<?, ?> refused : List.of(without, forged)) {
            assertThat(refused.get("status")).as("%s", refused).isEqualTo(403L);
            assertThat(JSON.readTree((String) refused.get("body")).get("error_code").asText()).isEqualTo("CSRF_REFUSED");
        }
        JsonNode result = JSON.readTree(consumerGet(ALICE_KEY, "/flow/" + failed.flowId() + "/result").body());
        assertThat(result.get("check_type").asText()).isEqualTo("auto");
        assertThat(result.at("/service_statuses/0/session_state").asText()).isEqualTo("processed");
        assertThat(result.at("/service_statuses/0/session_status").asText()).isEqualTo("fail");
    }

    @Test
    void signingOutEndsTheSessionAndShowsTheLoginPageWithANotice() {
        signInAs("alice", ALICE_PASSWORD, "ru");
        // the page's sign-out button posts to the demo's logout (ConsoleOptions.signOutAt)
        waitFor("the sign-out button", () -> driver.findElement(By.id("sign-out-button")).isDisplayed());
        assertThat(driver.findElement(By.id("sign-out-button")).getText()).isEqualTo("Выйти");
        driver.findElement(By.id("sign-out-button")).click();
        waitFor("on the login page after the logout", () -> driver.getCurrentUrl().contains("/console/login")
                && !driver.findElements(By.id("login-notice")).isEmpty());
        waitFor("the notice in Russian", () -> driver.findElement(By.id("login-notice")).isDisplayed()
                && driver.findElement(By.id("login-notice")).getText().equals("Вы вышли из консоли."));
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("ru");
        assertThat(driver.findElement(By.id("login-error")).isDisplayed()).isFalse();

        driver.get(base + "/console/");
        waitFor("sent to the login page again", () -> !driver.findElements(By.id("j_username")).isEmpty());
        Map<?, ?> api = fetch("GET", "/console/api/session", null, null);
        assertThat(api.get("status")).isEqualTo(401L);
    }

    @Test
    void aPageWhoseLoginEndedGoesBackToTheLoginFormAtItsNextCall() {
        signInAs("alice", ALICE_PASSWORD, "en");
        waitFor("the flows list", () -> !driver.findElements(By.cssSelector("#flows-table tr[data-flow-id]")).isEmpty());
        // the session ends on the server's side (as after 30 idle minutes): the page's cookie no longer logs it in
        driver.manage().deleteCookieNamed("IDFLOW_CONSOLE_SESSION");

        driver.findElement(By.id("nav-charts")).click();

        waitFor("sent to the login form by the page's next API call",
                () -> !driver.findElements(By.id("j_username")).isEmpty());
        signIn("alice", ALICE_PASSWORD);
        waitFor("back on the console", () -> !driver.findElements(By.id("principal")).isEmpty()
                && driver.findElement(By.id("principal")).getText().contains("alice"));
    }

    @Test
    void everyPageInEveryLocaleIsPhotographedWithItsLanguageAndATranslatedHeading() throws Exception {
        Files.createDirectories(SCREENSHOTS);
        for (String lang : List.of("kk", "ru", "en")) {
            driver.manage().deleteAllCookies();
            driver.get(base + "/console/login?lang=" + lang);
            page(lang, "login", "#login-form");

            signIn("alice", ALICE_PASSWORD);
            wait.until(d -> "alice".equals(d.findElement(By.id("principal")).getText()));
            driver.get(base + "/console/?lang=" + lang + "#/flows");
            wait.until(d -> shownFlows().size() >= 3);
            page(lang, "list", "#flows-table");
            driver.get(base + "/console/?lang=" + lang + "#/flows/" + passed.flowId());
            page(lang, "flow", "#flow-detail img.best-frame");
            driver.get(base + "/console/?lang=" + lang + "#/charts");
            page(lang, "charts", "#chart-days");
            driver.get(base + "/console/?lang=" + lang + "#/kyc");
            page(lang, "kyc", "#kyc-entries");
            driver.get(base + "/console/?lang=" + lang + "#/data");
            page(lang, "data", "#erase-person-id");
            driver.get(base + "/console/?lang=" + lang + "#/audit");
            page(lang, "audit", "#audit-table");
            driver.executeScript("localStorage.clear()");
        }
    }

    // ------------------------------------------------------------------ the browser

    private static void signIn(String user, String password) {
        wait.until(d -> !d.findElements(By.id("j_username")).isEmpty());
        driver.findElement(By.id("j_username")).sendKeys(user);
        driver.findElement(By.id("j_password")).sendKeys(password);
        driver.findElement(By.id("login-submit")).click();
    }

    private static void signInAs(String user, String password, String lang) {
        driver.get(base + "/console/login?lang=" + lang);
        signIn(user, password);
        waitFor("signed in as " + user, () -> user.equals(driver.findElement(By.id("principal")).getText()));
    }

    /** The element, or a failure that shows what the page shows instead. */
    private static WebElement el(String css) {
        List<WebElement> found = driver.findElements(By.cssSelector(css));
        if (found.isEmpty()) {
            Object main = driver.executeScript("const m = document.querySelector('main') || document.body; return m.outerHTML");
            String shown = String.valueOf(main);
            throw new AssertionError("no " + css + " at " + driver.getCurrentUrl() + ": " + shown.substring(0, Math.min(4000, shown.length())));
        }
        return found.get(0);
    }

    /** Waits, and on a timeout says where the browser stands and what it shows. */
    private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        try {
            wait.until(d -> condition.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            String source = driver.getPageSource();
            throw new AssertionError("timed out waiting until " + what + " at " + driver.getCurrentUrl() + ": "
                    + source.substring(0, Math.min(3000, source.length())), e);
        }
    }

    /** The flows the list shows, in its order. */
    private static List<String> shownFlows() {
        return driver.findElements(By.cssSelector("#flows-table tr[data-flow-id]")).stream()
                .filter(WebElement::isDisplayed).map(r -> r.getAttribute("data-flow-id")).toList();
    }

    /** Waits for the page's marker element, then checks its language and heading and photographs it. */
    private static void page(String lang, String name, String marker) throws IOException {
        wait.until(d -> !d.findElements(By.cssSelector(marker)).isEmpty()
                && !"true".equals(d.findElement(By.tagName("body")).getAttribute("aria-busy"))
                && (d.findElements(By.id("main")).isEmpty() || "false".equals(d.findElement(By.id("main")).getAttribute("aria-busy"))));
        if (name.equals("flow")) {
            WebElement frame = driver.findElement(By.cssSelector(marker));
            wait.until(d -> Boolean.TRUE.equals(driver.executeScript("return arguments[0].complete", frame)));
        }
        String where = name + " in " + lang;
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).as(where).isEqualTo(lang);
        String heading = HEADINGS.get(lang).get(name);
        wait.until(d -> d.findElement(By.tagName("h1")).getText().startsWith(heading));
        List<WebElement> errors = driver.findElements(By.id("error"));
        assertThat(errors.isEmpty() || !errors.get(0).isDisplayed()).as("%s shows an error: %s", where,
                errors.isEmpty() ? "" : errors.get(0).getText()).isTrue();
        Path file = SCREENSHOTS.resolve(name + "-" + lang + ".png");
        // the whole page, not only the window: the window grows to the page's height for the photograph
        long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
        driver.manage().window().setSize(new Dimension(WIDTH, (int) Math.min(Math.max(height + 160, HEIGHT), 6000)));
        try {
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.manage().window().setSize(new Dimension(WIDTH, HEIGHT));
        }
        assertThat(file).exists();
        assertThat(Files.size(file)).as(where).isGreaterThan(10_000);
    }

    /** fetch() from the console page's own origin, with or without the CSRF header: {status, body}. */
    private static Map<?, ?> fetch(String method, String path, String body, String csrf) {
        Object answer = driver.executeAsyncScript(
                "const [method, path, body, csrf, done] = arguments;"
                        + "const headers = {'Accept': 'application/json'};"
                        + "if (body !== null) headers['Content-Type'] = 'application/json';"
                        + "if (csrf !== null) headers['X-Idflow-Csrf'] = csrf;"
                        + "fetch(path, {method, headers, body: body === null ? undefined : body, credentials: 'same-origin'})"
                        + ".then(async r => done({status: r.status, body: await r.text()}))"
                        + ".catch(e => done({status: -1, body: String(e)}));",
                method, path, body, csrf);
        return (Map<?, ?>) answer;
    }

    private static void requireChromium() {
        DemoChromium.require();
    }

    /** Debian's headless Chromium and chromedriver, a desktop window (the console is desktop first). */
    private static ChromeDriver chromium() {
        ChromeDriver chrome = DemoChromium.start(List.of("--window-size=" + WIDTH + "," + HEIGHT, "--lang=en-US"), o -> { });
        chrome.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return chrome;
    }

    // ------------------------------------------------------------------ the consumer API

    /** A test flow of one verilive step, walked by its person: the sandbox scripts the verdict, frames are sent. */
    private static Flow livenessFlow(String key, String person, String verdict) throws Exception {
        HttpResponse<String> scripted = consumerPost(key, "/mockery/result", "{\"person_id\":\"" + person
                + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"" + verdict + "\"}}");
        assertThat(scripted.statusCode()).as(scripted.body()).isEqualTo(200);
        Flow flow = createFlow(key, person, "[{\"service_name\":\"verilive\"}]");
        HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/hf/" + vlinkOf(flow) + "/api/start"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        JsonNode step = JSON.readTree(started.body()).get("current_step");
        String token = step.get("access_token").asText();
        HttpResponse<String> attempt = HTTP.send(attempt(step.get("pipeline")).request(demo.port(), "/liveness2/client/attempts")
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(attempt.statusCode()).as(attempt.body()).isEqualTo(200);
        return new Flow(flow.flowId(), person, step.get("session_id").asText());
    }

    private static Flow notStartedFlow(String key, String person) throws Exception {
        return createFlow(key, person, "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]");
    }

    private static final Map<String, String> VLINKS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Flow createFlow(String key, String person, String pipeline) throws Exception {
        HttpResponse<String> created = consumerPost(key, "/flow", "{\"person_id\":\"" + person
                + "\",\"template\":{\"pipeline\":" + pipeline + "}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode flow = JSON.readTree(created.body());
        String vlink = flow.get("vlink").asText();
        VLINKS.put(flow.get("flow_id").asText(), vlink.substring(vlink.lastIndexOf('/') + 1));
        return new Flow(flow.get("flow_id").asText(), person, null);
    }

    private static String vlinkOf(Flow flow) {
        return VLINKS.get(flow.flowId());
    }

    /** As a camera page sends an attempt: a frame before the actions, three during each, and a video. */
    private static FaultLoad.Multipart attempt(JsonNode pipeline) {
        Instant t = Instant.now().minusSeconds(10);
        StringBuilder actions = new StringBuilder();
        StringBuilder frames = new StringBuilder("{\"taken_at\":\"" + t.plusMillis(200) + "\"}");
        int count = 1;
        Instant at = t.plusMillis(500);
        for (JsonNode group : pipeline) {
            for (JsonNode action : group.isArray() ? group : JSON.createArrayNode().add(group)) {
                actions.append(actions.length() == 0 ? "" : ",").append("{\"action\":\"").append(action.asText())
                        .append("\",\"started_at\":\"").append(at).append("\",\"ended_at\":\"").append(at.plusMillis(1500))
                        .append("\"}");
                for (int f : new int[] {600, 975, 1350}) {
                    frames.append(",{\"taken_at\":\"").append(at.plusMillis(f)).append("\"}");
                    count++;
                }
                at = at.plusMillis(2000);
            }
        }
        String metadata = "{\"platform\":\"web\",\"user_agent\":\"console-browser-test\",\"started_at\":\"" + t
                + "\",\"ended_at\":\"" + at + "\",\"actions\":[" + actions + "],\"frames\":[" + frames + "],\"bestframe_index\":0}";
        FaultLoad.Multipart body = new FaultLoad.Multipart().field("metadata", metadata);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            body.file("frame", "frame-" + i + ".jpg", "image/jpeg", FaultLoad.frame(random));
        }
        return body.file("video", "attempt.webm", "video/webm", FaultLoad.webm(random));
    }

    private static HttpResponse<String> consumerPost(String key, String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> consumerGet(String key, String path) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return answer;
    }
}
