package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo console's login (--operator): Jetty's HTTP Basic for scripts, Jetty's form login for a
 * browser, the console API never redirected to a login page, the login page under the console's strict
 * CSP in kk, ru and en, and the logout. Over real HTTP, redirects not followed.
 */
class DemoOperatorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final String COOKIE = "IDFLOW_CONSOLE_SESSION";
    private static DemoMain.Demo demo;
    private static String base;
    private static final ByteArrayOutputStream PRINTED = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--no-face-analysis", "--operator", "alice:alice-pw-123:demo", "--operator", "bob:bob-pw-456"}),
                new PrintStream(PRINTED, true, StandardCharsets.UTF_8));
        base = "http://127.0.0.1:" + demo.port();
    }

    @Test
    void theDemoPrintsWhereTheConsoleIsAndNoPassword() {
        String printed = PRINTED.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("operator console: http://localhost:" + demo.port() + "/console/")
                .doesNotContain("alice-pw-123").doesNotContain("bob-pw-456");
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.stop();
        }
    }

    @Test
    void basicLogsAScriptInToTheApiWithoutASession() throws Exception {
        HttpResponse<String> session = send(get("/console/api/session").header("Authorization", basic("alice", "alice-pw-123")));

        assertThat(session.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(session.body());
        assertThat(body.get("principal").asText()).isEqualTo("alice");
        assertThat(body.get("consumers").toString()).isEqualTo("[\"demo\"]");
        assertThat(session.headers().allValues("Set-Cookie")).as("Basic needs no session").isEmpty();
    }

    @Test
    void aWrongPasswordOrAnUnknownUserIsRefusedWith401AndAChallenge() throws Exception {
        for (String[] wrong : List.of(new String[] {"alice", "bob-pw-456"}, new String[] {"mallory", "alice-pw-123"},
                new String[] {"alice", ""})) {
            HttpResponse<String> refused = send(get("/console/api/session").header("Authorization", basic(wrong[0], wrong[1])));
            assertThat(refused.statusCode()).as(wrong[0]).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .startsWith("Basic realm=\"idflow console\"");
            assertThat(refused.headers().firstValue("Location")).isEmpty();
            assertThat(JSON.readTree(refused.body()).get("error_code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(refused.body()).doesNotContain(wrong[0]);
        }
    }

    @Test
    void theApiWithoutCredentialsIs401JsonNeverARedirectToTheLoginPage() throws Exception {
        for (String path : List.of("/console/api/session", "/console/api/consumers/demo/flows", "/console/api")) {
            HttpResponse<String> refused = send(get(path));
            assertThat(refused.statusCode()).as(path).isEqualTo(401);
            assertThat(refused.headers().firstValue("Location")).as(path).isEmpty();
            assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic realm=\"idflow console\"");
            assertThat(refused.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
            assertThat(refused.headers().firstValue("Cache-Control")).contains("no-store");
            JsonNode body = JSON.readTree(refused.body());
            assertThat(body.get("error_code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(body.get("message").asText()).contains("/console/login");
        }
        // a page's own fetch (the console after its session ended) gets no challenge: a browser would answer
        // it with its own login dialog instead of letting the page send the operator to the form
        HttpResponse<String> fetched = send(get("/console/api/session").header("Sec-Fetch-Mode", "cors")
                .header("Sec-Fetch-Site", "same-origin").header("Sec-Fetch-Dest", "empty"));
        assertThat(fetched.statusCode()).isEqualTo(401);
        assertThat(fetched.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(fetched.headers().firstValue("Location")).isEmpty();
        assertThat(JSON.readTree(fetched.body()).get("error_code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(send(get("/console/api/session").header("Sec-Fetch-Mode", "navigate")).headers()
                .firstValue("WWW-Authenticate")).isPresent();
        HttpResponse<String> change = send(HttpRequest.newBuilder(URI.create(base + "/console/api/consumers/demo/erase-person"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"p\",\"confirm\":\"p\"}")));
        assertThat(change.statusCode()).isEqualTo(401);
        assertThat(change.headers().firstValue("Location")).isEmpty();
    }

    @Test
    void aBrowserWithoutASessionIsSentToTheLoginPageAndBackAfterIt() throws Exception {
        HttpResponse<String> page = send(get("/console/?lang=ru"));
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(URI.create(base).resolve(page.headers().firstValue("Location").orElseThrow()).getPath())
                .isEqualTo("/console/login");
        String before = cookie(page);
        assertThat(page.headers().firstValue("Set-Cookie").orElseThrow())
                .contains("Path=/console").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");

        HttpResponse<String> login = send(postForm("/console/j_security_check", "alice", "alice-pw-123").header("Cookie", COOKIE + "=" + before));

        assertThat(login.statusCode()).isBetween(302, 303);
        assertThat(login.headers().firstValue("Location").orElseThrow()).isIn("/console/?lang=ru", base + "/console/?lang=ru");
        String after = cookie(login);
        assertThat(after).as("a new session id at login").isNotEqualTo(before);
        HttpResponse<String> session = send(get("/console/api/session").header("Cookie", COOKIE + "=" + after));
        assertThat(session.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(session.body()).get("principal").asText()).isEqualTo("alice");
        assertThat(send(get("/console/api/session").header("Cookie", COOKIE + "=" + before)).statusCode())
                .as("the id from before the login is worth nothing").isEqualTo(401);
    }

    @Test
    void aLoginFromTheLoginPageItselfGoesToTheConsoleInTheLanguageOfThePage() throws Exception {
        HttpResponse<String> page = send(get("/console/login?lang=kk"));
        String action = attribute(page.body(), "form", "action");
        assertThat(action).isEqualTo("/console/j_security_check?lang=kk");

        HttpResponse<String> login = send(postForm(action, "bob", "bob-pw-456"));

        assertThat(login.headers().firstValue("Location").orElseThrow()).isIn("/console/?lang=kk", base + "/console/?lang=kk");
        HttpResponse<String> session = send(get("/console/api/session").header("Cookie", COOKIE + "=" + cookie(login)));
        assertThat(JSON.readTree(session.body()).get("principal").asText()).isEqualTo("bob");
        assertThat(JSON.readTree(session.body()).get("all_consumers").asBoolean()).isTrue();
    }

    @Test
    void aWrongPasswordInTheFormLeadsBackToTheLoginPageWithItsErrorAndNoSession() throws Exception {
        HttpResponse<String> login = send(postForm("/console/j_security_check", "alice", "not-her-password"));

        assertThat(login.statusCode()).isBetween(302, 303);
        assertThat(login.headers().firstValue("Location").orElseThrow()).isIn("/console/login?error=1", base + "/console/login?error=1");
        for (String id : login.headers().allValues("Set-Cookie")) {
            String value = id.replaceAll("^" + COOKIE + "=([^;]*).*", "$1");
            assertThat(send(get("/console/api/session").header("Cookie", COOKIE + "=" + value)).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> error = send(get("/console/login?error=1&lang=en"));
        assertThat(error.statusCode()).isEqualTo(200);
        assertThat(tag(error.body(), "p id=\"login-error\"")).doesNotContain("hidden");
        assertThat(error.body()).contains("Wrong user name or password.");
        assertThat(tag(send(get("/console/login?lang=en")).body(), "p id=\"login-error\"")).contains("hidden");
    }

    @Test
    void theLoginPageIsStaticUnderTheConsolesStrictCspInKkRuAndEn() throws Exception {
        HttpResponse<String> page = send(get("/console/login"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).isEqualTo(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
                        + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        String html = page.body();
        // no inline script or style: every script has a src, no <style>, no style= or on…= attribute
        assertThat(html).doesNotContain("<style").doesNotContainPattern("(?i)\\sstyle=").doesNotContainPattern("(?i)\\son[a-z]+=")
                .doesNotContain("javascript:").doesNotContain("http://").doesNotContain("https://");
        Matcher scripts = Pattern.compile("<script([^>]*)>").matcher(html);
        int count = 0;
        while (scripts.find()) {
            assertThat(scripts.group(1)).contains("src=\"/console/login/login.js\"");
            count++;
        }
        assertThat(count).isEqualTo(1);
        assertThat(html).contains("<input id=\"j_username\" name=\"j_username\"")
                .contains("<input id=\"j_password\" name=\"j_password\" type=\"password\"")
                .contains("<button id=\"login-submit\" type=\"submit\">")
                .contains("<label for=\"j_username\">").contains("<label for=\"j_password\">")
                .contains("method=\"post\"").doesNotContain("{{");

        assertThat(send(get("/console/login")).body()).contains("<html lang=\"en\">").contains("<h1>Sign in to the operator console</h1>");
        assertThat(send(get("/console/login?lang=kk")).body()).contains("<html lang=\"kk\">").contains("<h1>Оператор консоліне кіру</h1>")
                .contains("Құпиясөз").doesNotContain("Password");
        assertThat(send(get("/console/login?lang=ru")).body()).contains("<html lang=\"ru\">").contains("<h1>Вход в консоль оператора</h1>")
                .contains("Пароль").doesNotContain("Password");
        assertThat(send(get("/console/login").header("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")).body()).contains("<html lang=\"ru\">");
        assertThat(send(get("/console/login").header("Accept-Language", "kk-KZ, ru;q=0.8")).body()).contains("<html lang=\"kk\">");
        assertThat(send(get("/console/login").header("Accept-Language", "de-DE")).body()).contains("<html lang=\"en\">");
        assertThat(send(get("/console/login?lang=%3Cscript%3E")).body()).contains("<html lang=\"en\">").doesNotContain("<script>");

        HttpResponse<String> css = send(get("/console/login/login.css"));
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/css");
        HttpResponse<String> js = send(get("/console/login/login.js"));
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(js.body()).contains("idflow.console.lang");
        assertThat(send(get("/console/login/other.js")).statusCode()).isEqualTo(404);
    }

    @Test
    void logoutEndsTheSessionAndGoesToTheLoginPageButNotFromAnotherSite() throws Exception {
        String session = cookie(send(postForm("/console/j_security_check", "alice", "alice-pw-123")));
        assertThat(send(get("/console/api/session").header("Cookie", COOKIE + "=" + session)).statusCode()).isEqualTo(200);

        HttpResponse<String> elsewhere = send(HttpRequest.newBuilder(URI.create(base + "/console/logout"))
                .header("Cookie", COOKIE + "=" + session).header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(send(get("/console/api/session").header("Cookie", COOKIE + "=" + session)).statusCode())
                .as("still logged in").isEqualTo(200);
        assertThat(send(get("/console/logout").header("Cookie", COOKIE + "=" + session)).statusCode()).isEqualTo(405);

        HttpResponse<String> out = send(HttpRequest.newBuilder(URI.create(base + "/console/logout"))
                .header("Cookie", COOKIE + "=" + session).header("Origin", base)
                .POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Location").orElseThrow()).isEqualTo("/console/login?logout=1");
        assertThat(send(get("/console/api/session").header("Cookie", COOKIE + "=" + session)).statusCode()).isEqualTo(401);
        assertThat(send(get("/console/").header("Cookie", COOKIE + "=" + session)).statusCode()).isEqualTo(302);
        HttpResponse<String> notice = send(get("/console/login?logout=1&lang=ru"));
        assertThat(tag(notice.body(), "p id=\"login-notice\"")).doesNotContain("hidden");
        assertThat(notice.body()).contains("Вы вышли из консоли.");
    }

    @Test
    void withoutOperatorsThereIsNoLoginAtAll() throws Exception {
        DemoMain.Demo plain = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--no-face-analysis"}), new PrintStream(new ByteArrayOutputStream()));
        try {
            HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.port()
                    + "/console/login")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(404);
            assertThat(login.headers().allValues("Set-Cookie")).isEmpty();
        } finally {
            plain.stop();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).GET();
    }

    private static HttpRequest.Builder postForm(String path, String user, String password) {
        String form = "j_username=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + "&j_password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The session id the answer set. */
    private static String cookie(HttpResponse<?> response) {
        return response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(COOKIE + "="))
                .map(c -> c.substring(COOKIE.length() + 1, c.indexOf(';'))).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + COOKIE + " cookie in " + response.headers().map()));
    }

    private static String tag(String html, String start) {
        int at = html.indexOf("<" + start);
        assertThat(at).as(start).isNotNegative();
        return html.substring(at, html.indexOf('>', at) + 1);
    }

    private static String attribute(String html, String element, String name) {
        Matcher m = Pattern.compile("<" + element + "\\b[^>]*\\s" + name + "=\"([^\"]*)\"").matcher(html);
        assertThat(m.find()).as(element + " " + name).isTrue();
        return m.group(1).replace("&amp;", "&");
    }
}
