package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.console.Operator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console page over HTTP: the shell and its assets, the exact CSP, no inline script or style, the
 * assets' types and caching, the API's access rules answered as small HTML pages, the redirect from
 * {@code /console}, and nothing at all when the console is not enabled.
 */
class ConsolePageHttpTest {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
            + "media-src 'self' blob:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            + "base-uri 'none'";
    static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s[^;]*?from\\s+'([^']+)'");
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static TestServer server;
    static TestServer disabled;

    @BeforeAll
    static void start() throws Exception {
        // the host's own check: a header its gateway would set
        server = TestServer.withConsole("/kyc", ConsoleOptions.custom(request -> {
            String who = request.getHeader("X-Test-User");
            if (who == null) {
                return new ConsoleOptions.Access.Unauthenticated();
            }
            return who.equals("alice") ? new ConsoleOptions.Access.Granted(Operator.of("alice", Set.of("acme")))
                    : new ConsoleOptions.Access.Forbidden();
        }), context -> { });
        disabled = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        disabled.close();
    }

    static HttpResponse<String> get(TestServer on, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(on.baseUrl + path));
        headers.forEach(b::header);
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> asAlice(String path) throws Exception {
        return get(server, path, Map.of("X-Test-User", "alice"));
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static String type(HttpResponse<?> r) {
        return String.valueOf(header(r, "Content-Type")).replace(" ", "").toLowerCase(Locale.ROOT);
    }

    @Test
    void theShellIsHtmlUnderTheExactStrictCspWithNoInlineScriptOrStyle() throws Exception {
        HttpResponse<String> shell = asAlice("/console/");
        assertThat(shell.statusCode()).isEqualTo(200);
        assertThat(type(shell)).isEqualTo("text/html;charset=utf-8");
        assertThat(header(shell, "Content-Security-Policy")).isEqualTo(CSP);
        assertThat(header(shell, "Cache-Control")).isEqualTo("no-store");
        assertThat(header(shell, "X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(header(shell, "X-Frame-Options")).isEqualTo("DENY");
        String html = shell.body();
        Matcher scripts = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(html);
        int count = 0;
        while (scripts.find()) {
            count++;
            assertThat(scripts.group(1)).as("a script comes from a file").contains("src=");
            assertThat(scripts.group(2)).as("no inline script").isBlank();
        }
        assertThat(count).isEqualTo(1);
        assertThat(html).doesNotContainPattern("(?i)<style").doesNotContainPattern("(?i)\\sstyle=")
                .doesNotContainPattern("(?i)\\son[a-z]+=").doesNotContainPattern("(?i)javascript:")
                .doesNotContainPattern("(?i)(src|href)=\"(https?:)?//");
        // every id the tests and the page's script rely on is in the shell
        for (String id : List.of("consumer", "lang", "principal", "nav-flows", "nav-charts", "nav-kyc", "nav-data",
                "nav-audit", "notice", "error", "main")) {
            assertThat(html).as(id).contains("id=\"" + id + "\"");
        }
        assertThat(html).contains("id=\"notice\" role=\"status\"").contains("id=\"error\" role=\"alert\"");
    }

    @Test
    void everyAssetTheShellLinksAndEveryModuleTheyImportIsServedWithItsTypeAndCachedForGood() throws Exception {
        String html = asAlice("/console/").body();
        Matcher linked = Pattern.compile("(?:src|href)=\"(assets/v[0-9a-f]{12}/[a-z0-9.-]+)\"").matcher(html);
        Set<String> todo = new LinkedHashSet<>();
        String base = null;
        while (linked.find()) {
            todo.add(linked.group(1).substring(linked.group(1).lastIndexOf('/') + 1));
            base = linked.group(1).substring(0, linked.group(1).lastIndexOf('/') + 1);
        }
        assertThat(todo).contains("console.js", "console.css", "favicon.svg");
        Deque<String> queue = new ArrayDeque<>(todo);
        Set<String> served = new LinkedHashSet<>();
        while (!queue.isEmpty()) {
            String name = queue.pop();
            if (!served.add(name)) {
                continue;
            }
            HttpResponse<String> r = asAlice("/console/" + base + name);
            assertThat(r.statusCode()).as(name).isEqualTo(200);
            String expected = name.endsWith(".js") ? "text/javascript;charset=utf-8"
                    : name.endsWith(".css") ? "text/css;charset=utf-8" : "image/svg+xml";
            assertThat(type(r)).as(name).isEqualTo(expected);
            assertThat(header(r, "X-Content-Type-Options")).as(name).isEqualTo("nosniff");
            assertThat(header(r, "Cache-Control")).as(name).contains("immutable").contains("private");
            assertThat(header(r, "ETag")).as(name).matches("\"[0-9a-f]{20}\"");
            if (name.endsWith(".js")) {
                // no request leaves this origin: imports are files beside it, nothing is fetched elsewhere
                assertThat(r.body()).as(name).doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)");
                Matcher m = IMPORT.matcher(r.body());
                while (m.find()) {
                    assertThat(m.group(1)).as("an import of " + name).matches("\\./[a-z0-9-]+\\.js");
                    queue.add(m.group(1).substring(2));
                }
            }
        }
        assertThat(served).contains("console.js", "api.js", "i18n.js", "flows.js", "charts.js", "admin.js",
                "dom.js", "ui.js", "console.css", "favicon.svg");
        // the DOM helper is the hosted page's own file, not a copy
        String version = asAlice("/console/").body().replaceAll("(?s).*assets/(v[0-9a-f]{12})/console\\.js.*", "$1");
        assertThat(version).matches("v[0-9a-f]{12}");
        HttpResponse<String> unversioned = asAlice("/console/assets/console.css");
        assertThat(unversioned.statusCode()).isEqualTo(200);
        assertThat(header(unversioned, "Cache-Control")).contains("no-cache");
        assertThat(asAlice("/console/" + base + "console.html").statusCode()).isEqualTo(404);
        assertThat(asAlice("/console/" + base + "../IdflowServlet.class").statusCode()).isIn(400, 404);
        assertThat(asAlice("/console/assets/v000000000000/console.js").statusCode()).isEqualTo(404);
        HttpResponse<String> again = get(server, "/console/" + base + "console.js",
                Map.of("X-Test-User", "alice", "If-None-Match", header(asAlice("/console/" + base + "console.js"), "ETag")));
        assertThat(again.statusCode()).isEqualTo(304);
    }

    @Test
    void withoutAccessThePageIsTheApisSmall401Or403AsHtml() throws Exception {
        for (String path : List.of("/console/", "/console/assets/console.js")) {
            HttpResponse<String> none = get(server, path, Map.of("Accept-Language", "ru"));
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(type(none)).as(path).isEqualTo("text/html;charset=utf-8");
            assertThat(header(none, "WWW-Authenticate")).as(path).startsWith("Basic");
            assertThat(header(none, "Content-Security-Policy")).as(path).isEqualTo(CSP);
            assertThat(header(none, "Cache-Control")).as(path).isEqualTo("no-store");
            assertThat(none.body()).as(path).contains("<html lang=\"ru\">").contains("Войдите как оператор")
                    .doesNotContain("<script").hasSizeLessThan(1000);

            HttpResponse<String> teller = get(server, path, Map.of("X-Test-User", "carol"));
            assertThat(teller.statusCode()).as(path).isEqualTo(403);
            assertThat(type(teller)).as(path).isEqualTo("text/html;charset=utf-8");
            assertThat(teller.body()).as(path).contains("<html lang=\"en\">").contains("not an operator");
        }
        // the API under it keeps its JSON answers
        HttpResponse<String> api = get(server, "/console/api/session", Map.of());
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(type(api)).startsWith("application/json");
    }

    @Test
    void consoleWithoutTheSlashRedirectsToTheShellKeepingTheLanguage() throws Exception {
        HttpResponse<String> r = get(server, "/console", Map.of());
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(header(r, "Location")).isEqualTo("console/");
        assertThat(URI.create(server.baseUrl + "/console").resolve(header(r, "Location")).getPath()).isEqualTo("/kyc/console/");
        HttpResponse<String> kk = get(server, "/console?lang=kk", Map.of());
        assertThat(header(kk, "Location")).isEqualTo("console/?lang=kk");
        assertThat(header(get(server, "/console?lang=%3Cb%3E", Map.of()), "Location")).isEqualTo("console/");
    }

    @Test
    void theShellIsInTheLanguageAskedForElseTheBrowsersElseEnglish() throws Exception {
        assertThat(get(server, "/console/?lang=kk", Map.of("X-Test-User", "alice")).body())
                .contains("<html lang=\"kk\">").contains("<title>idflow — оператор консолі</title>");
        assertThat(get(server, "/console/", Map.of("X-Test-User", "alice", "Accept-Language", "ru-RU,ru;q=0.9")).body())
                .contains("<html lang=\"ru\">").contains("Загрузка…");
        assertThat(get(server, "/console/?lang=de", Map.of("X-Test-User", "alice", "Accept-Language", "de")).body())
                .contains("<html lang=\"en\">");
    }

    @Test
    void onlyGetIsAnsweredAndAnUnenabledConsoleHasNoPage() throws Exception {
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl + "/console/"))
                .header("X-Test-User", "alice").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(header(post, "Allow")).isEqualTo("GET, HEAD");
        for (String path : List.of("/console", "/console/", "/console/assets/console.js")) {
            HttpResponse<String> r = get(disabled, path, Map.of("X-Test-User", "alice"));
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("console.js");
        }
    }

    @Test
    void theSignOutButtonPostsToTheHostsLogoutOnlyWhenTheHostNamedOne() throws Exception {
        // this server's options name none: the form is there but hidden, with no action to post to
        String without = asAlice("/console/").body();
        assertThat(without).contains("<form id=\"sign-out\" class=\"tool\" method=\"post\" action=\"\" data-path=\"\" hidden>");

        ConsoleOptions access = ConsoleOptions.custom(request -> new ConsoleOptions.Access.Granted(
                Operator.of("alice", Set.of("acme"))));
        try (TestServer named = TestServer.withConsole("/kyc", access.signOutAt("/sso/logout"), context -> { })) {
            assertThat(get(named, "/console/", Map.of()).body())
                    .contains("method=\"post\" action=\"/sso/logout\" data-path=\"/sso/logout\"");
        }
        for (String bad : List.of("logout", "//evil.example/x", "/a b", "/x\"onmouseover=1", "/<x>", "/a\\b")) {
            assertThatThrownBy(() -> access.signOutAt(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("path: must be an absolute path on this server");
        }
    }
}
