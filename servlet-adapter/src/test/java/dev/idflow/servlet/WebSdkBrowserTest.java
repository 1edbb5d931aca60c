package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openqa.selenium.SearchContext;

/**
 * A bank's own page, on another origin than idflow's, imports the web SDK from idflow with one
 * {@code <script type="module">} and runs a liveness session its back end opened with
 * {@code POST /liveness2/session}, in headless Chromium with the fake camera: the Promise resolves
 * {@code success: true} (sandbox {@code real}) and the bank reads the result from
 * {@code /journal/session/{id}}; a failing script shows the retry screen and then resolves with no
 * attempts left; a page on an origin idflow does not allow is refused by the browser; in kk, ru and
 * en. Screenshots go to target/screenshots/sdk/.
 *
 * <p>The bank is a second Jetty. Its page sends a strict CSP naming only itself and idflow's origin,
 * so the SDK is shown to need nothing else (no inline style, no other host). The same Jetty reached
 * as {@code localhost} instead of {@code 127.0.0.1} is another origin, one idflow does not allow.
 */
class WebSdkBrowserTest {
    private static final Pattern LATIN_WORD = Pattern.compile("\\b(?!(?:Chrome|Safari|Firefox)\\b)[A-Za-z]{2,}\\b");
    /** What a person reads, written here independently of i18n.js. */
    private static final Map<String, Map<String, String>> WORDS = Map.of(
            "kk", Map.of("intro", "Бет-әлпетті тексеру", "passed", "Бет-әлпетті тексеру сәтті өтті",
                    "failed", "Бет-әлпетті тексеруден өту мүмкін болмады", "attempts", "Талпыныстар таусылды",
                    "begin", "Камераны қосу"),
            "ru", Map.of("intro", "Проверка лица", "passed", "Проверка лица пройдена",
                    "failed", "Не удалось пройти проверку лица", "attempts", "Попытки закончились",
                    "begin", "Включить камеру"),
            "en", Map.of("intro", "Face check", "passed", "Face check passed",
                    "failed", "The face check did not succeed", "attempts", "No attempts left",
                    "begin", "Turn on the camera"));
    private static final AtomicInteger PEOPLE = new AtomicInteger();

    private static TestServer idflow;
    private static PersonDevice bankBackEnd;
    private static BankSite bank;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        int bankPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            bankPort = probe.getLocalPort();
        }
        String bankOrigin = "http://127.0.0.1:" + bankPort;
        idflow = TestServer.withCors("/kyc", CorsOptions.allow(bankOrigin));
        bankBackEnd = PersonDevice.testKey(idflow);
        bank = new BankSite(bankPort, idflow.baseUrl);
    }

    @AfterAll
    static void stop() throws Exception {
        if (bank != null) {
            bank.close();
        }
        if (idflow != null) {
            idflow.close();
        }
    }

    // ------------------------------------------------------------------ a session that passes, per language

    @ParameterizedTest(name = "a bank page on another origin runs a session to success: true in {0}")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aBankPageOnAnotherOriginRunsASessionToSuccess(String locale) throws Exception {
        String person = newPerson();
        bankBackEnd.script(person, "verilive", "real");
        JsonNode session = bankBackEnd.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":2}");
        Map<String, String> words = WORDS.get(locale);

        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(bank.page("kyc.html", session.get("access_token").asText(), locale));
            waitForScreen(b, "live-intro");
            assertThat(heading(b)).isEqualTo(words.get("intro"));
            assertThat(shadow(b).findElement(By.cssSelector("#live-begin")).getText()).isEqualTo(words.get("begin"));
            assertInLanguage(b, locale);
            // the bank's own css themes the SDK through its custom properties, and nothing else reaches in
            assertThat(js(b, "return getComputedStyle(sdkRoot().getElementById('live-begin')).backgroundColor"))
                    .isEqualTo("rgb(200, 16, 46)");
            b.screenshot("sdk/success-" + locale + "-1-intro");

            shadow(b).findElement(By.cssSelector("#live-begin")).click();
            waitForScreen(b, "live-capture");
            b.waiting(Duration.ofSeconds(10)).until(d -> !String.valueOf(
                    js(b, "return sdkRoot().getElementById('counter').textContent")).isBlank());
            assertThat((Long) js(b, "return sdkRoot().querySelector('video').videoWidth")).isPositive();
            assertInLanguage(b, locale);
            b.screenshot("sdk/success-" + locale + "-2-capture");

            JsonNode result = awaitResult(b);
            assertThat(result.get("success").asBoolean()).isTrue();
            assertThat(result.get("errorCode").isNull()).isTrue();
            assertThat(result.get("attemptsLeft").asInt()).as("three attempts, one used").isEqualTo(2);
            assertThat(currentScreen(b)).isEqualTo("live-passed");
            assertThat(heading(b)).isEqualTo(words.get("passed"));
            assertInLanguage(b, locale);
            b.screenshot("sdk/success-" + locale + "-3-passed");

            assertThat(stages(b)).containsSubsequence("loading", "ready", "camera", "capture", "uploading", "done");
            assertThat(b.console()).doesNotContain("Content Security Policy").doesNotContain("SEVERE");
        }

        // the device learnt only success; the bank's back end reads the verdict itself
        JsonNode journal = bankBackEnd.journal(session.get("session_id").asText());
        assertThat(journal.at("/result/service_status").asText()).isEqualTo("real");
        assertThat(bankBackEnd.result(session.get("flow_id").asText()).get("flow_status").asText()).isEqualTo("pass");
        // the token travelled in a header only: the bank's server never saw it, not even in a Referer
        assertThat(bank.seen).noneMatch(line -> line.contains(session.get("access_token").asText()));
    }

    // ------------------------------------------------------------------ a failing script: the retry screen, then no attempts left

    @Test
    void aFailingScriptShowsTheRetryScreenAndThenResolvesWithNoAttemptsLeft() throws Exception {
        String person = newPerson();
        bankBackEnd.script(person, "verilive", "attack");
        JsonNode session = bankBackEnd.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":1}");
        Map<String, String> words = WORDS.get("kk");

        try (HostedBrowser b = HostedBrowser.phone(360)) {
            b.driver.get(bank.page("kyc.html", session.get("access_token").asText(), "kk"));
            waitForScreen(b, "live-intro");
            shadow(b).findElement(By.cssSelector("#live-begin")).click();

            waitForScreen(b, "live-failed", Duration.ofSeconds(40));
            assertThat(heading(b)).isEqualTo(words.get("failed"));
            assertThat(sdkText(b)).contains("Қалған талпыныс саны: 1");
            assertThat(shadow(b).findElement(By.cssSelector("#try-again")).getText()).isEqualTo("Қайталау");
            assertInLanguage(b, "kk");
            assertThat(js(b, "return window.sdkResult === undefined")).as("a retry is left: the call goes on").isEqualTo(true);
            assertThat(js(b, "return JSON.stringify(window.progress.filter((e) => e.stage === 'retry'))"))
                    .isEqualTo("[{\"stage\":\"retry\",\"attemptsLeft\":1,\"errorCode\":\"model_prediction\"}]");
            b.screenshot("sdk/retry-kk-360-1-failed");

            shadow(b).findElement(By.cssSelector("#try-again")).click();
            waitForScreen(b, "live-capture");
            JsonNode result = awaitResult(b);
            assertThat(result.get("success").asBoolean()).isFalse();
            assertThat(result.get("errorCode").asText()).isEqualTo("model_prediction");
            assertThat(result.get("attemptsLeft").asInt()).isZero();
            assertThat(currentScreen(b)).isEqualTo("attempts");
            assertThat(heading(b)).isEqualTo(words.get("attempts"));
            assertInLanguage(b, "kk");
            b.screenshot("sdk/retry-kk-360-2-no-attempts");
        }

        JsonNode journal = bankBackEnd.journal(session.get("session_id").asText());
        assertThat(journal.at("/result/service_status").asText()).isEqualTo("attack");
        assertThat(bankBackEnd.result(session.get("flow_id").asText()).get("flow_status").asText()).isEqualTo("fail");
    }

    // ------------------------------------------------------------------ an origin idflow does not allow

    @Test
    void aPageOnAnOriginNotAllowedIsRefusedByTheBrowser() throws Exception {
        String person = newPerson();
        bankBackEnd.script(person, "verilive", "real");
        JsonNode session = bankBackEnd.livenessSession("{\"person_id\":\"" + person + "\"}");
        String token = session.get("access_token").asText();

        try (HostedBrowser b = HostedBrowser.phone()) {
            // the module itself: a module script is fetched with CORS, so the import is refused and nothing runs
            b.driver.get(bank.refusedPage("kyc.html", token, "en"));
            b.waiting(Duration.ofSeconds(10)).until(d -> b.console().contains("blocked by CORS policy"));
            assertThat(js(b, "return window.sdkImported === undefined")).isEqualTo(true);
            assertThat(js(b, "return document.getElementById('kyc').childElementCount")).isEqualTo(0L);

            // a copy of the SDK served by the page's own origin: its calls to idflow are refused, and the
            // Promise resolves with errorCode 'network' (a browser tells a script no more than that)
            b.driver.get(bank.refusedPage("copy.html", token, "en"));
            JsonNode result = awaitResult(b);
            assertThat(result.get("success").asBoolean()).isFalse();
            assertThat(result.get("errorCode").asText()).isEqualTo("network");
            assertThat(result.get("attemptsLeft").isNull()).isTrue();
            assertThat(currentScreen(b)).isEqualTo("network");
            assertThat(heading(b)).isEqualTo("No connection");
            assertThat(b.console()).contains("blocked by CORS policy");
            b.screenshot("sdk/refused-origin-en-network");
        }

        // nothing of the session was used from the refused origin
        TestServer.Reply read = bankBackEnd.clientSession(token);
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        JsonNode unused = JSON.readTree(read.body());
        assertThat(unused.get("attempts_left").asInt()).isEqualTo(session.get("attempts_left").asInt());
    }

    // ------------------------------------------------------------------ failures in words

    @Test
    void aBlockedCameraIsSaidInWordsAndTheCallWaitsForTheRetry() throws Exception {
        JsonNode session = bankBackEnd.livenessSession("{\"person_id\":\"" + newPerson() + "\"}");
        try (HostedBrowser b = HostedBrowser.cameraBlocked(360)) {
            b.driver.get(bank.page("kyc.html", session.get("access_token").asText(), "ru"));
            waitForScreen(b, "live-intro");
            shadow(b).findElement(By.cssSelector("#live-begin")).click();
            waitForScreen(b, "camera-denied");
            assertThat(heading(b)).isEqualTo("Нет доступа к камере");
            assertThat(sdkText(b)).contains("Разрешите этой странице использовать камеру");
            assertThat(shadow(b).findElement(By.cssSelector("#retry")).getText()).isEqualTo("Повторить");
            assertInLanguage(b, "ru");
            assertThat(js(b, "return JSON.stringify(window.progress.filter((e) => e.stage === 'error'))"))
                    .isEqualTo("[{\"stage\":\"error\",\"attemptsLeft\":4,\"errorCode\":\"camera_denied\"}]");
            assertThat(js(b, "return window.sdkResult === undefined")).isEqualTo(true);
            b.screenshot("sdk/camera-denied-ru-360");
        }
    }

    @Test
    void anUnknownTokenResolvesExpiredAndWrongArgumentsReject() throws Exception {
        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(bank.page("kyc.html", "7d4f2c1e-0b9a-4c6d-8e3f-5a1b2c3d4e5f", "kk"));
            JsonNode result = awaitResult(b);
            assertThat(result.toString()).isEqualTo("{\"success\":false,\"errorCode\":\"expired\",\"attemptsLeft\":0}");
            assertThat(currentScreen(b)).isEqualTo("expired");
            assertThat(heading(b)).isEqualTo("Сеанстың мерзімі өтті");
            assertInLanguage(b, "kk");
            b.screenshot("sdk/expired-kk");

            // a bug in the bank's page, not an outcome: the Promise rejects, naming what is wrong
            b.driver.get("about:blank"); // else only the fragment changes, and the page stays
            b.driver.get(bank.page("kyc.html", null, "en"));
            b.waiting(Duration.ofSeconds(10)).until(d -> js(b, "return window.sdkRejected || null") != null);
            assertThat(js(b, "return window.sdkRejected")).asString()
                    .startsWith("TypeError: start: accessToken must be the access_token of POST /liveness2/session");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String newPerson() {
        return "sdk-person-" + PEOPLE.incrementAndGet();
    }

    /** Runs {@code body} with {@code sdkRoot()} defined: the shadow root the SDK draws in. */
    private static Object js(HostedBrowser b, String body) {
        return b.js("const sdkRoot = () => { const host = document.querySelector('#kyc > .idflow-liveness');"
                + " return host ? host.shadowRoot : null; };\n" + body);
    }

    private static SearchContext shadow(HostedBrowser b) {
        return b.driver.findElement(By.cssSelector("#kyc > .idflow-liveness")).getShadowRoot();
    }

    private static String currentScreen(HostedBrowser b) {
        return String.valueOf(js(b, "const r = sdkRoot(); const s = r && r.querySelector('.view > [data-screen]');"
                + " return s ? s.getAttribute('data-screen') : '(none)'"));
    }

    private static String heading(HostedBrowser b) {
        return String.valueOf(js(b, "return sdkRoot().querySelector('h1').textContent"));
    }

    /** What the person reads in the SDK's part of the page. */
    private static String sdkText(HostedBrowser b) {
        return String.valueOf(js(b, "const r = sdkRoot(); return r ? r.querySelector('.view').innerText : ''"));
    }

    private static void waitForScreen(HostedBrowser b, String id) {
        waitForScreen(b, id, Duration.ofSeconds(15));
    }

    private static void waitForScreen(HostedBrowser b, String id, Duration timeout) {
        try {
            b.waiting(timeout).until(d -> id.equals(currentScreen(b)));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the SDK did not show screen \"" + id + "\" within " + timeout + "; it shows \""
                    + currentScreen(b) + "\": " + sdkText(b) + "\nbrowser console: " + b.console(), e);
        }
    }

    /** The object the Promise of start() resolved with. */
    private static JsonNode awaitResult(HostedBrowser b) throws IOException {
        try {
            b.waiting(Duration.ofSeconds(60)).until(d -> js(b, "return window.sdkResult ? 'yes' : null") != null);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("start() did not resolve; the SDK shows \"" + currentScreen(b) + "\": "
                    + sdkText(b) + "\nbrowser console: " + b.console(), e);
        }
        return JSON.readTree(String.valueOf(js(b, "return JSON.stringify(window.sdkResult)")));
    }

    private static List<String> stages(HostedBrowser b) throws IOException {
        List<String> out = new ArrayList<>();
        JSON.readTree(String.valueOf(js(b, "return JSON.stringify(window.progress)")))
                .forEach(e -> out.add(e.get("stage").asText()));
        return out;
    }

    /** In kk and ru, the SDK shows no English word. */
    private static void assertInLanguage(HostedBrowser b, String locale) {
        String text = sdkText(b);
        assertThat(text).isNotBlank();
        if (!locale.equals("en")) {
            Matcher m = LATIN_WORD.matcher(text);
            if (m.find()) {
                throw new AssertionError("English in the " + locale + " SDK: \"" + m.group() + "\" in\n" + text);
            }
        }
    }

    /**
     * The bank's site: {@code kyc.html}, its page that imports the SDK from idflow; {@code copy.html}, the
     * same page importing a copy of the SDK from the bank's own origin; and the copy itself under
     * {@code /bank/sdk/}. The token and the language come in the URL's fragment, which no server sees.
     */
    static final class BankSite implements AutoCloseable {
        /** Every request line the bank's server saw, with its Referer. */
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        final String origin;
        /** The same server by another name: an origin idflow does not allow. */
        final String refusedOrigin;
        private final String idflowBase;
        private final String idflowOrigin;
        private final Server jetty;
        private final HttpClient http = HttpClient.newHttpClient();

        BankSite(int port, String idflowBase) throws Exception {
            this.origin = "http://127.0.0.1:" + port;
            this.refusedOrigin = "http://localhost:" + port;
            this.idflowBase = idflowBase;
            URI base = URI.create(idflowBase);
            this.idflowOrigin = base.getScheme() + "://" + base.getAuthority();
            jetty = new Server();
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost("127.0.0.1");
            connector.setPort(port);
            jetty.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addServlet(new ServletHolder(new Pages()), "/bank/*");
            jetty.setHandler(context);
            jetty.start();
        }

        String page(String name, String token, String locale) {
            return origin + "/bank/" + name + fragment(token, locale);
        }

        String refusedPage(String name, String token, String locale) {
            return refusedOrigin + "/bank/" + name + fragment(token, locale);
        }

        private static String fragment(String token, String locale) {
            return "#locale=" + locale + (token == null ? "" : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        }

        @Override
        public void close() throws Exception {
            jetty.stop();
        }

        private final class Pages extends HttpServlet {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String path = req.getRequestURI();
                seen.add(path + (req.getQueryString() == null ? "" : "?" + req.getQueryString())
                        + " referer=" + req.getHeader("Referer"));
                resp.setHeader("Cache-Control", "no-store");
                if (path.equals("/bank/kyc.html")) {
                    page(resp, idflowBase + "/sdk/idflow-liveness.js");
                } else if (path.equals("/bank/copy.html")) {
                    page(resp, "/bank/sdk/idflow-liveness.js");
                } else if (path.equals("/bank/favicon.svg")) {
                    write(resp, "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
                            + "<rect width='16' height='16' rx='4' fill='#c8102e'/></svg>");
                } else if (path.equals("/bank/bank.css")) {
                    write(resp, "text/css; charset=utf-8", """
                            body { margin: 0; font-family: Georgia, serif; background: #f4efe9; }
                            header { padding: 12px 16px; background: #c8102e; color: #fff; font-weight: 700; }
                            #kyc { --idflow-accent: #c8102e; --idflow-accent-soft: #fbe3e7; --idflow-radius: 10px;
                                   margin: 12px; }
                            button { background: lime; }
                            """);
                } else if (path.startsWith("/bank/sdk/") && path.matches("/bank/sdk/[a-z0-9.-]+")) {
                    copyOfTheSdk(resp, path.substring("/bank/sdk/".length()));
                } else {
                    resp.sendError(404);
                }
            }

            /**
             * A bank page with nothing but the container, a result line and one module script that
             * imports the SDK from {@code sdk}. Its CSP names only itself and idflow's origin.
             */
            private void page(HttpServletResponse resp, String sdk) throws IOException {
                String nonce = java.util.UUID.randomUUID().toString().replace("-", "");
                resp.setHeader("Content-Security-Policy", String.join("; ",
                        "default-src 'none'",
                        "script-src 'self' 'nonce-" + nonce + "' " + idflowOrigin,
                        "style-src 'self' " + idflowOrigin,
                        "connect-src 'self' " + idflowOrigin,
                        "img-src 'self'",
                        "base-uri 'none'"));
                resp.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
                write(resp, "text/html; charset=utf-8", """
                        <!doctype html>
                        <html lang="en">
                        <meta charset="utf-8">
                        <meta name="viewport" content="width=device-width, initial-scale=1">
                        <title>Acme Bank</title>
                        <link rel="icon" href="/bank/favicon.svg">
                        <link rel="stylesheet" href="/bank/bank.css">
                        <header>Acme Bank</header>
                        <div id="kyc"></div>
                        <script type="module" nonce="%s">
                          import { start } from '%s';
                          window.sdkImported = true;
                          const given = new URLSearchParams(location.hash.slice(1));
                          window.progress = [];
                          start({
                            baseUrl: '%s',
                            accessToken: given.get('token'),
                            container: document.getElementById('kyc'),
                            locale: given.get('locale'),
                            onProgress: (event) => window.progress.push(event),
                          }).then((result) => { window.sdkResult = result; },
                                  (error) => { window.sdkRejected = error.name + ': ' + error.message; });
                        </script>
                        </html>
                        """.formatted(nonce, sdk, idflowBase));
            }

            /** The SDK's files as idflow serves them, from the bank's own origin. */
            private void copyOfTheSdk(HttpServletResponse resp, String name) throws IOException {
                HttpResponse<byte[]> original;
                try {
                    original = http.send(HttpRequest.newBuilder(URI.create(idflowBase + "/sdk/" + name)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                if (original.statusCode() != 200) {
                    resp.sendError(404);
                    return;
                }
                resp.setContentType(original.headers().firstValue("Content-Type").orElseThrow());
                resp.getOutputStream().write(original.body());
            }

            private static void write(HttpServletResponse resp, String type, String body) throws IOException {
                resp.setContentType(type);
                resp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
