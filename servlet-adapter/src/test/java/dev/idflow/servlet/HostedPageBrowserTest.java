package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;

/**
 * A person in headless Chromium with a fake camera goes through the hosted page: the full flow in
 * each language from the vlink to the bank's callback, the camera refused, a failed attempt and its
 * retry, attempts running out, the network dropping during the upload, an expired, unknown or
 * finished link, and the page inside a bank portal's iframe. Each test leaves screenshots in
 * target/screenshots/.
 *
 * <p>A second server plays the bank: it serves the template's logo (another origin, so the CSP must
 * name it), the callback page, and a portal page that frames the vlink.
 */
class HostedPageBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LATIN_WORD = Pattern.compile("\\b(?!(?:Chrome|Safari|Firefox|JavaScript)\\b)[A-Za-z]{2,}\\b");
    /** What a person reads, written here independently of i18n.js. */
    private static final Map<String, Map<String, String>> WORDS = Map.of(
            "kk", Map.of("title", "Жеке басты растау", "start", "Жеке басыңызды растаңыз",
                    "consent", "Дербес деректерді өңдеуге келісім", "live", "Бет-әлпетті тексеру",
                    "pass", "Тексеру сәтті өтті"),
            "ru", Map.of("title", "Проверка личности", "start", "Подтвердите свою личность",
                    "consent", "Согласие на обработку персональных данных", "live", "Проверка лица",
                    "pass", "Проверка пройдена"),
            "en", Map.of("title", "Identity verification", "start", "Verify your identity",
                    "consent", "Consent to personal data processing", "live", "Face check",
                    "pass", "Verification passed"));
    private static final String CUSTOM_CSS = ".card { border-top: 6px solid #c8102e; }";

    private static TestServer server;
    private static Bank bank;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        server = new TestServer("/kyc");
        bank = new Bank(server);
    }

    @AfterAll
    static void stop() throws Exception {
        if (bank != null) {
            bank.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // ------------------------------------------------------------------ the full flow, per language

    @ParameterizedTest(name = "a person completes [consent, verilive] in {0} from the vlink to the callback")
    @ValueSource(strings = {"kk", "ru", "en"})
    void fullFlowFromTheVlinkToTheCallback(String locale) throws Exception {
        String person = "hosted-full-" + locale;
        script(person, "real");
        String theme = locale.equals("ru") ? "bts" : "default";
        JsonNode flow = createFlow(person, locale, pipeline("consent", "verilive"), ui(theme), true,
                bank.origin + "/bank/done?ref=42");
        String flowId = flow.get("flow_id").asText();
        Map<String, String> words = WORDS.get(locale);
        String shot = "full-" + locale + "-" + theme;

        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.screen("start");
            assertThat(b.js("return document.documentElement.lang")).isEqualTo(locale);
            assertThat(b.driver.getTitle()).isEqualTo(words.get("title"));
            assertThat(b.heading()).isEqualTo(words.get("start"));
            assertThat(b.js("return document.body.className")).isEqualTo("theme-" + theme);
            assertBranded(b);
            assertInLanguage(b, locale);
            b.screenshot(shot + "-1-start");

            b.click("start");
            b.screen("consent");
            assertThat(b.heading()).isEqualTo(words.get("consent"));
            assertInLanguage(b, locale);
            assertThat(b.driver.findElement(By.id("step-info")).isDisplayed()).isTrue();
            b.screenshot(shot + "-2-consent");
            keyboardActivate(b, "consent-accept");

            b.screen("live-intro");
            assertThat(b.heading()).isEqualTo(words.get("live"));
            assertInLanguage(b, locale);
            b.screenshot(shot + "-3-live-intro");
            b.click("live-begin");

            b.screen("live-capture");
            b.waiting(Duration.ofSeconds(10)).until(d -> !d.findElement(By.id("counter")).getText().isBlank());
            assertThat((Long) b.js("return document.querySelector('video').videoWidth")).isPositive();
            assertInLanguage(b, locale);
            b.screenshot(shot + "-4-capture");

            b.screen("status", Duration.ofSeconds(40));
            assertThat(b.heading()).isEqualTo(words.get("pass"));
            assertInLanguage(b, locale);
            b.screenshot(shot + "-5-status");
            assertThat(b.console()).doesNotContain("Content Security Policy").doesNotContain("SEVERE");

            b.waiting(Duration.ofSeconds(15)).until(d -> d.getCurrentUrl().startsWith(bank.origin + "/bank/done"));
            URI callback = URI.create(b.driver.getCurrentUrl());
            assertThat(callback.getQuery()).contains("ref=42").contains("flow_id=" + flowId);
            b.screenshot(shot + "-6-callback");
        }

        JsonNode result = JSON.readTree(server.get("/flow/" + flowId, Headers.test(TestServer.TEST_KEY)).body());
        assertThat(result.path("flow_status").asText()).isEqualTo("pass");
        assertThat(result.path("end_cause").asText()).isEqualTo("completed");
        // the vlink token went to no one: no Referer on the logo or the callback request
        assertThat(bank.requests).filteredOn(r -> r.path.startsWith("/bank/")).allSatisfy(r ->
                assertThat(r.referer).as(r.path).isNull());
        assertThat(bank.requests).anyMatch(r -> r.path.equals("/bank/logo.svg"));
    }

    // ------------------------------------------------------------------ failures with words

    @Test
    void cameraPermissionDenied() throws Exception {
        JsonNode flow = createFlow("hosted-denied", "ru", pipeline("verilive"), null, true, null);
        try (HostedBrowser b = HostedBrowser.cameraBlocked(360)) {
            b.driver.get(flow.get("vlink").asText());
            b.click("start");
            b.screen("live-intro");
            b.click("live-begin");
            b.screen("camera-denied");
            assertThat(b.heading()).isEqualTo("Нет доступа к камере");
            assertThat(b.mainText()).contains("Разрешите этой странице использовать камеру");
            assertInLanguage(b, "ru");
            assertThat(b.driver.findElement(By.id("retry")).getText()).isEqualTo("Повторить");
            b.screenshot("camera-denied-ru-360");
        }
    }

    @Test
    void aFailedAttemptIsRetriedAndThenPasses() throws Exception {
        String person = "hosted-retry-1";
        script(person, "attack");
        JsonNode flow = createFlow(person, "en", retriedVerilive(), ui("default"), true, null);
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.click("start");
            b.click("live-begin");
            b.screen("live-failed", Duration.ofSeconds(40));
            assertThat(b.heading()).isEqualTo("The face check did not succeed");
            assertThat(b.driver.findElement(By.id("try-again")).getText()).isEqualTo("Try again");
            b.screenshot("retry-en-1-failed");

            script(person, "real");
            b.click("try-again");
            b.screen("live-capture");
            b.screen("status", Duration.ofSeconds(40));
            assertThat(b.heading()).isEqualTo("Verification passed");
            assertThat(b.mainText()).contains("You can close this page now.");
            b.screenshot("retry-en-2-passed");
        }
        JsonNode result = JSON.readTree(server.get("/flow/" + flow.get("flow_id").asText() + "/result",
                Headers.test(TestServer.TEST_KEY)).body());
        assertThat(result.path("sessions_count").asInt()).isEqualTo(2);
    }

    @Test
    void attemptsRunOut() throws Exception {
        String person = "hosted-exhausted";
        script(person, "attack");
        JsonNode flow = createFlow(person, "kk", retriedVerilive(), ui("bts"), true, bank.origin + "/bank/done");
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.click("start");
            b.click("live-begin");
            b.screen("live-failed", Duration.ofSeconds(40));
            assertInLanguage(b, "kk");
            b.screenshot("exhausted-kk-bts-1-failed");
            b.click("try-again");
            b.screen("live-capture");
            b.waiting(Duration.ofSeconds(40)).until(d -> "Талпыныстар таусылды".equals(safeHeading(b)));
            assertInLanguage(b, "kk");
            b.screenshot("exhausted-kk-bts-2-no-attempts");
            b.waiting(Duration.ofSeconds(15)).until(d -> d.getCurrentUrl().startsWith(bank.origin + "/bank/done"));
            assertThat(b.driver.getCurrentUrl()).contains("flow_id=" + flow.get("flow_id").asText());
        }
        JsonNode result = JSON.readTree(server.get("/flow/" + flow.get("flow_id").asText(),
                Headers.test(TestServer.TEST_KEY)).body());
        assertThat(result.path("flow_status").asText()).isEqualTo("fail");
    }

    @Test
    void theNetworkDropsDuringTheUploadAndTheSameRecordingIsSentAgain() throws Exception {
        String person = "hosted-offline";
        script(person, "real");
        JsonNode flow = createFlow(person, "en", pipeline("verilive"), null, true, null);
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.click("start");
            b.click("live-begin");
            b.screen("live-capture");
            ChromiumNetworkConditions offline = new ChromiumNetworkConditions();
            offline.setOffline(true);
            b.driver.setNetworkConditions(offline);
            b.screen("upload-failed", Duration.ofSeconds(40));
            assertThat(b.heading()).isEqualTo("No connection");
            assertThat(b.mainText()).contains("Your recording was not sent");
            b.screenshot("offline-en-1-upload-failed");
            b.driver.deleteNetworkConditions();
            b.click("send-again");
            b.screen("status", Duration.ofSeconds(30));
            assertThat(b.heading()).isEqualTo("Verification passed");
        }
    }

    @Test
    void anExpiredLinkAndAnUnknownLinkSaySo() throws Exception {
        JsonNode flow = createFlow("hosted-expired", "kk", pipeline("consent"), null, true, null, 60);
        server.clock.advance(Duration.ofSeconds(61));
        server.idflow.sweepOnce();
        try (HostedBrowser b = HostedBrowser.phone(360)) {
            b.driver.get(flow.get("vlink").asText());
            b.screen("link-expired");
            assertThat(b.heading()).isEqualTo("Сілтеме жарамсыз");
            assertInLanguage(b, "kk");
            b.screenshot("expired-kk-360");

            String vlink = flow.get("vlink").asText();
            b.driver.get(vlink.substring(0, vlink.lastIndexOf('/') + 1) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            b.screen("link-invalid");
            assertThat(b.heading()).isEqualTo("This link is not valid");
            b.screenshot("unknown-link-en-360");
        }
    }

    @Test
    void aFinishedFlowOpenedAgainSaysItIsFinished() throws Exception {
        JsonNode flow = createFlow("hosted-finished", "ru", pipeline("consent"), null, true, null);
        String vlinkId = vlinkId(flow);
        assertThat(server.postJson("/hf/" + vlinkId + "/api/start", new Headers(), "{}").status()).isEqualTo(200);
        Reply done = server.postJson("/hf/" + vlinkId + "/api/steps/step-1/submit", new Headers(), "{\"accepted\":true}");
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.screen("finished");
            assertThat(b.heading()).isEqualTo("Эта проверка уже завершена");
            assertInLanguage(b, "ru");
            b.screenshot("finished-ru");
        }
    }

    // ------------------------------------------------------------------ languages, layout, framing

    @Test
    void theLanguageSelectorSwitchesThePage() throws Exception {
        JsonNode flow = createFlow("hosted-language", "en", pipeline("language-selector", "consent"), null, true, null);
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.click("start");
            b.screen("language");
            b.screenshot("language-en");
            b.driver.findElement(By.cssSelector("button[data-locale='kk']")).click();
            b.screen("consent");
            assertThat(b.heading()).isEqualTo("Дербес деректерді өңдеуге келісім");
            assertThat(b.js("return document.documentElement.lang")).isEqualTo("kk");
            assertInLanguage(b, "kk");
            b.screenshot("language-kk-consent");
        }
    }

    @Test
    void everyStringExistsInEveryLanguageAndTranslationsOverrideThem() throws Exception {
        ObjectNode ui = JSON.createObjectNode();
        ui.putObject("translation").putObject("ru").put("start.button", "Поехали");
        JsonNode flow = createFlow("hosted-strings", "ru", pipeline("consent"), ui, true, null);
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.get("vlink").asText());
            b.screen("start");
            assertThat(b.driver.findElement(By.id("start")).getText()).isEqualTo("Поехали");
            Object answer = b.driver.executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    const src = document.querySelector('script[type=module]').src.replace('app.js', 'i18n.js');
                    import(src).then((m) => done(JSON.stringify(m.STRINGS))).catch((e) => done('failed: ' + e));
                    """);
            JsonNode strings = JSON.readTree(String.valueOf(answer));
            JsonNode en = strings.get("en");
            for (String locale : List.of("kk", "ru")) {
                JsonNode l = strings.get(locale);
                assertThat(iterable(l.fieldNames())).as(locale + " keys").containsExactlyInAnyOrderElementsOf(iterable(en.fieldNames()));
                en.fieldNames().forEachRemaining(key -> {
                    String text = l.get(key).asText();
                    assertThat(text).as(locale + " " + key).isNotBlank().isNotEqualTo(en.get(key).asText());
                    Matcher m = LATIN_WORD.matcher(text.replaceAll("\\{[a-z_]+}", ""));
                    assertThat(m.find()).as(locale + " " + key + " has English in it: " + text).isFalse();
                });
            }
        }
    }

    @Test
    void onADesktopTheCardIsCentred() throws Exception {
        JsonNode flow = createFlow("hosted-desktop", "en", pipeline("consent", "verilive"), ui("bts"), true, null);
        try (HostedBrowser b = HostedBrowser.desktop()) {
            b.driver.get(flow.get("vlink").asText());
            WebElement start = b.screen("start");
            WebElement card = b.driver.findElement(By.id("main"));
            assertThat(card.getRect().getWidth()).isLessThanOrEqualTo(480);
            int left = card.getRect().getX();
            int right = 1280 - (left + card.getRect().getWidth());
            assertThat(Math.abs(left - right)).isLessThan(40);
            assertThat(start.isDisplayed()).isTrue();
            // keyboard: Tab reaches the Start button and shows where focus is
            b.driver.findElement(By.tagName("body")).sendKeys(org.openqa.selenium.Keys.TAB);
            b.waiting(Duration.ofSeconds(5)).until(d -> "start".equals(b.js("return document.activeElement && document.activeElement.id")));
            assertThat(b.js("return getComputedStyle(document.activeElement).outlineStyle")).isEqualTo("solid");
            b.screenshot("desktop-en-bts-start-focused");
        }
    }

    @Test
    void inABankPortalsIframeOnlyWhereTheHostAllowsIt() throws Exception {
        String person = "hosted-iframe";
        script(person, "real");
        JsonNode flow = createFlow(person, "en", pipeline("consent", "verilive"), null, true,
                bank.origin + "/bank/done?in=frame");
        try (HostedBrowser b = HostedBrowser.phone()) {
            // the bank mounts idflow with its portal as a frame ancestor: the whole flow runs in the frame
            String allowed = bank.origin + "/kyc/hf/" + vlinkId(flow);
            b.driver.get(bank.portalOrigin + "/bank/portal?src=" + java.net.URLEncoder.encode(allowed, StandardCharsets.UTF_8));
            b.driver.switchTo().frame("kyc");
            b.screen("start");
            b.driver.switchTo().defaultContent();
            b.screenshot("iframe-1-start");
            b.driver.switchTo().frame("kyc");
            b.click("start");
            b.click("consent-accept");
            b.click("live-begin");
            b.screen("live-capture");
            b.driver.switchTo().defaultContent();
            b.screenshot("iframe-2-capture");
            b.driver.switchTo().frame("kyc");
            b.screen("status", Duration.ofSeconds(40));
            b.click("continue");
            b.waiting(Duration.ofSeconds(10)).until(d -> String.valueOf(b.js("return location.href"))
                    .startsWith(bank.origin + "/bank/done?in=frame&flow_id=" + flow.get("flow_id").asText()));
            b.driver.switchTo().defaultContent();
            assertThat(b.driver.getCurrentUrl()).startsWith(bank.portalOrigin + "/bank/portal");

            // the default mount allows no framing at all
            String refused = flow.get("vlink").asText();
            b.driver.get(bank.portalOrigin + "/bank/portal?src=" + java.net.URLEncoder.encode(refused, StandardCharsets.UTF_8));
            Thread.sleep(1500);
            b.driver.switchTo().frame("kyc");
            assertThat(b.driver.findElements(By.id("main"))).isEmpty();
            b.driver.switchTo().defaultContent();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String safeHeading(HostedBrowser b) {
        try {
            return b.heading();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Focus the button with Tab-like focus and press Enter: the page works from the keyboard. */
    private static void keyboardActivate(HostedBrowser b, String id) {
        WebElement button = b.waiting(Duration.ofSeconds(10)).until(d -> {
            WebElement e = d.findElement(By.id(id));
            return e.isEnabled() ? e : null;
        });
        button.sendKeys(org.openqa.selenium.Keys.ENTER);
    }

    /** The template's logo is shown (so the CSP let it load) and its css is applied after ours. */
    private static void assertBranded(HostedBrowser b) {
        WebElement logo = b.driver.findElement(By.id("logo"));
        b.waiting(Duration.ofSeconds(5)).until(d -> ((Long) b.js("return document.getElementById('logo').naturalWidth")) > 0);
        assertThat(logo.isDisplayed()).isTrue();
        assertThat(logo.getAttribute("src")).isEqualTo(bank.origin + "/bank/logo.svg");
        assertThat(b.js("return getComputedStyle(document.getElementById('main')).borderTopWidth")).isEqualTo("6px");
        assertThat(b.js("return getComputedStyle(document.getElementById('main')).borderTopColor")).isEqualTo("rgb(200, 16, 46)");
    }

    /** In kk and ru, the page shows no English word. */
    private static void assertInLanguage(HostedBrowser b, String locale) {
        String text = (String) b.js("return document.body.innerText");
        if (!locale.equals("en")) {
            Matcher m = LATIN_WORD.matcher(text);
            if (m.find()) {
                throw new AssertionError("English on a " + locale + " page: \"" + m.group() + "\" in\n" + text);
            }
        }
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static String vlinkId(JsonNode flow) {
        String vlink = flow.get("vlink").asText();
        return vlink.substring(vlink.lastIndexOf('/') + 1);
    }

    private static ArrayNode pipeline(String... services) {
        ArrayNode steps = JSON.createArrayNode();
        for (String s : services) {
            steps.addObject().put("service_name", s);
        }
        return steps;
    }

    private static ArrayNode retriedVerilive() {
        ArrayNode steps = JSON.createArrayNode();
        steps.addObject().put("service_name", "verilive").put("max_retries", 1);
        return steps;
    }

    private static ObjectNode ui(String theme) {
        ObjectNode ui = JSON.createObjectNode();
        ui.put("theme", theme);
        ui.put("logo_url", bank.origin + "/bank/logo.svg");
        ui.put("css", CUSTOM_CSS);
        return ui;
    }

    private static JsonNode createFlow(String person, String locale, ArrayNode steps, ObjectNode ui, boolean statusPage,
                                       String callback) throws Exception {
        return createFlow(person, locale, steps, ui, statusPage, callback, null);
    }

    private static JsonNode createFlow(String person, String locale, ArrayNode steps, ObjectNode ui, boolean statusPage,
                                       String callback, Integer ttl) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("person_id", person);
        body.put("locale", locale);
        if (callback != null) {
            body.put("callback_url", callback);
        }
        if (ttl != null) {
            body.put("ttl", ttl);
        }
        ObjectNode template = body.putObject("template");
        template.set("pipeline", steps);
        template.put("status_page", statusPage);
        if (ui != null) {
            template.set("ui", ui);
        }
        Reply r = server.postJson("/flow", Headers.test(TestServer.TEST_KEY), body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    private static void script(String person, String status) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("person_id", person);
        body.putObject("result").put("service_name", "verilive").put("service_status", status);
        Reply r = server.postJson("/mockery/result", Headers.test(TestServer.TEST_KEY), body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** The bank: its logo, its callback page, its portal (framing the vlink), and idflow mounted for the portal. */
    static final class Bank implements AutoCloseable {
        record Seen(String path, String query, String referer) {
        }

        final List<Seen> requests = new CopyOnWriteArrayList<>();
        final String origin;
        /** The same server by another name: another origin, like a portal beside the API. */
        final String portalOrigin;
        private final Server jetty;

        Bank(TestServer idflowServer) throws Exception {
            int port;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            origin = "http://127.0.0.1:" + port;
            portalOrigin = "http://localhost:" + port;
            jetty = new Server();
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost("127.0.0.1");
            connector.setPort(port);
            jetty.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addServlet(new ServletHolder(new BankPages()), "/bank/*");
            ServletHolder kyc = new ServletHolder(new IdflowServlet(idflowServer.idflow,
                    HostedPageOptions.frameAncestors(portalOrigin)));
            kyc.getRegistration().setMultipartConfig(IdflowServlet.multipartConfig(TestServer.MAX_UPLOAD));
            context.addServlet(kyc, "/kyc/*");
            jetty.setHandler(context);
            jetty.start();
        }

        @Override
        public void close() throws Exception {
            jetty.stop();
        }

        private final class BankPages extends HttpServlet {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String path = req.getRequestURI();
                requests.add(new Seen(path, req.getQueryString(), req.getHeader("Referer")));
                resp.setHeader("Cache-Control", "no-store");
                switch (path) {
                    case "/bank/logo.svg" -> write(resp, "image/svg+xml", """
                            <svg xmlns="http://www.w3.org/2000/svg" width="168" height="40" viewBox="0 0 168 40">
                              <rect width="40" height="40" rx="10" fill="#c8102e"/>
                              <path d="M11 29 20 10l9 19M14.5 22h11" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/>
                              <text x="50" y="27" font-family="Arial, sans-serif" font-size="19" font-weight="700" fill="#c8102e">Acme Bank</text>
                            </svg>""");
                    case "/bank/done" -> write(resp, "text/html; charset=utf-8",
                            "<!doctype html><meta name=viewport content='width=device-width'><title>Acme Bank</title>"
                                    + "<body style='font-family:sans-serif;padding:24px'><h1>Acme Bank</h1>"
                                    + "<p>Back at the bank with flow " + HostedPage.escapeHtml(String.valueOf(req.getParameter("flow_id")))
                                    + "</p></body>");
                    case "/bank/portal" -> write(resp, "text/html; charset=utf-8",
                            "<!doctype html><meta name=viewport content='width=device-width'><title>Acme portal</title>"
                                    + "<body style='margin:0;font-family:sans-serif'><p style='margin:8px'>Acme portal</p>"
                                    + "<iframe name='kyc' id='kyc' allow='camera' style='border:0;width:100%;height:820px' src='"
                                    + HostedPage.escapeHtml(req.getParameter("src")) + "'></iframe></body>");
                    default -> resp.sendError(404);
                }
            }

            private static void write(HttpServletResponse resp, String type, String body) throws IOException {
                resp.setContentType(type);
                resp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
