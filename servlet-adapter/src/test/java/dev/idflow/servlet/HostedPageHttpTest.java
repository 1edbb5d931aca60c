package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hosted page over plain HTTP: headers, assets, the filled template, custom css. No browser. */
class HostedPageHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String vlinkId(String vlink) {
        return vlink.substring(vlink.lastIndexOf('/') + 1);
    }

    private static JsonNode createFlow(String body) throws Exception {
        Reply r = server.postJson("/flow", Headers.test(TestServer.TEST_KEY), body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    @Test
    void pageOfAFlowIsInItsLanguageWithTheStrictHeaders() throws Exception {
        JsonNode flow = createFlow("""
                {"person_id":"hosted-http-1","locale":"kk","template":{"pipeline":[{"service_name":"consent"}],
                 "ui":{"theme":"bts","logo_url":"https://cdn.bank.example:8443/img/logo.svg",
                       "favicon_url":"https://static.bank.example/favicon.png",
                       "translation":{"kk":{"app.title":"Банк <b>\\"тексеру\\"</b>"}}}}}""");
        String vlink = flow.get("vlink").asText();
        assertThat(vlink).startsWith(server.baseUrl + "/hf/");
        Reply page = server.get("/hf/" + vlinkId(vlink), new Headers());

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.header("Referrer-Policy")).contains("no-referrer");
        assertThat(page.header("Cache-Control")).contains("no-store");
        assertThat(page.header("X-Content-Type-Options")).contains("nosniff");
        String csp = page.header("Content-Security-Policy").orElseThrow();
        assertThat(csp.split(";\\s*")).contains(
                "default-src 'self'", "script-src 'self'", "style-src 'self'",
                "img-src 'self' data: blob: https://cdn.bank.example:8443 https://static.bank.example",
                "media-src 'self' blob:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                "form-action 'self'");
        assertThat(csp).doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");

        String html = page.body();
        assertThat(html).contains("<html lang=\"kk\">");
        assertThat(html).contains("<body class=\"theme-bts\" data-vlink=\"" + vlinkId(vlink) + "\">");
        // a filled value is escaped: the template's title cannot open a tag
        assertThat(html).contains("<title>Банк &lt;b&gt;&quot;тексеру&quot;&lt;/b&gt;</title>");
        assertThat(html).contains("<link rel=\"icon\" href=\"https://static.bank.example/favicon.png\">");
        assertThat(html).contains("href=\"./" + vlinkId(vlink) + "/custom.css\"");
        assertThat(html).contains("Жүктелуде…");
        // no inline script, no inline handler, no external script or style
        assertThat(html).doesNotContainPattern("<script(?![^>]*\\ssrc=)");
        assertThat(html).doesNotContainPattern("\\son[a-z]+=");
        assertThat(html).doesNotContainPattern("(src|href)=\"(https?:)?//(?!static\\.bank\\.example/favicon)");
        assertThat(html).doesNotContain("{{");
    }

    @Test
    void anUnknownLinkGetsThePageToo_statusRevealsNothing() throws Exception {
        Reply page = server.get("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new Headers().add("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5"));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<html lang=\"ru\">").contains("<title>Проверка личности</title>");
        assertThat(page.header("Content-Security-Policy").orElseThrow()).contains("img-src 'self' data: blob:;");
        // even a token that is not one, with markup in it, only comes back escaped
        Reply odd = server.get("/hf/%3Cscript%3Ex%22%3E", new Headers());
        assertThat(odd.status()).isEqualTo(200);
        assertThat(odd.body()).doesNotContain("<script>x").doesNotContain("x\">").contains("<html lang=\"en\">");
        Reply css = server.get("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/custom.css", new Headers());
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type").orElseThrow()).startsWith("text/css");
        assertThat(css.body()).isEmpty();
    }

    @Test
    void customCssIsServedAsCss() throws Exception {
        JsonNode flow = createFlow("""
                {"person_id":"hosted-http-2","template":{"pipeline":[{"service_name":"consent"}],
                 "ui":{"css":".card { border-top: 6px solid #c8102e; }"}}}""");
        Reply css = server.get("/hf/" + vlinkId(flow.get("vlink").asText()) + "/custom.css", new Headers());
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type").orElseThrow()).startsWith("text/css");
        assertThat(css.header("X-Content-Type-Options")).contains("nosniff");
        assertThat(css.header("Cache-Control")).contains("no-store");
        assertThat(css.body()).isEqualTo(".card { border-top: 6px solid #c8102e; }");
    }

    @Test
    void assetsHaveTheirTypesAndALongCache_othersAreNotServed() throws Exception {
        String html = server.get("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new Headers()).body();
        Matcher m = Pattern.compile("src=\"(assets/v[0-9a-f]+)/app\\.js\"").matcher(html);
        assertThat(m.find()).as(html).isTrue();
        String versioned = "/hf/" + m.group(1);
        for (String[] a : List.of(new String[] {"app.js", "text/javascript"}, new String[] {"i18n.js", "text/javascript"},
                new String[] {"styles.css", "text/css"}, new String[] {"favicon.svg", "image/svg+xml"})) {
            Reply r = server.get(versioned + "/" + a[0], new Headers());
            assertThat(r.status()).as(a[0]).isEqualTo(200);
            assertThat(r.header("Content-Type").orElseThrow()).startsWith(a[1]);
            assertThat(r.header("Cache-Control").orElseThrow()).contains("max-age=31536000").contains("immutable");
            assertThat(r.header("X-Content-Type-Options")).contains("nosniff");
            Reply plain = server.get("/hf/assets/" + a[0], new Headers());
            assertThat(plain.status()).isEqualTo(200);
            assertThat(plain.header("Cache-Control").orElseThrow()).contains("max-age");
            assertThat(plain.bytes()).isEqualTo(r.bytes());
        }
        assertThat(server.get("/hf/assets/page.html", new Headers()).status()).isEqualTo(404);
        // the container refuses an encoded slash before it reaches us (400); either way, no page.html
        assertThat(server.get("/hf/assets/..%2Fpage.html", new Headers()).status()).isIn(400, 404);
        assertThat(server.get("/hf/assets/IdflowServlet.class", new Headers()).status()).isEqualTo(404);
        // the script makes no request of its own to anywhere but this server
        for (String file : List.of("app.js", "i18n.js", "styles.css")) {
            // (the SVG namespace is a name, not an address anything fetches)
            String text = server.get("/hf/assets/" + file, new Headers()).body().replace("http://www.w3.org/2000/svg", "");
            assertThat(text).as(file).doesNotContainPattern("(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/")
                    .doesNotContain("@import").doesNotContain("innerHTML").doesNotContain("eval(");
        }
    }

    @Test
    void aTrailingSlashIsRedirectedToThePage() throws Exception {
        Reply r = server.get("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/", new Headers());
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("Location").orElseThrow()).endsWith("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    }

    @Test
    void thePageIsReadOnly() throws Exception {
        Reply r = server.postJson("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new Headers(), "{}");
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow").orElseThrow()).contains("GET");
    }

    @Test
    void theServerTextsAgreeWithTheScriptsTexts() throws Exception {
        String i18n;
        try (InputStream in = HostedPage.class.getResourceAsStream("hosted/i18n.js")) {
            i18n = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String locale : List.of("kk", "ru", "en")) {
            String block = i18n.substring(i18n.indexOf("\n  " + locale + ": {"));
            block = block.substring(0, block.indexOf("\n  },"));
            Reply page = server.get("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new Headers().add("Accept-Language", locale));
            assertThat(page.body()).contains("<title>" + HostedPage.escapeHtml(string(block, "app.title")) + "</title>");
            assertThat(page.body()).contains(HostedPage.escapeHtml(string(block, "app.loading")));
            assertThat(page.body()).contains(HostedPage.escapeHtml(string(block, "app.noscript")));
        }
    }

    private static String string(String block, String key) {
        Matcher m = Pattern.compile("'" + Pattern.quote(key) + "': '([^']*)'").matcher(block);
        assertThat(m.find()).as(key).isTrue();
        return m.group(1);
    }

    @Test
    void frameAncestorsComeFromTheHostsConfiguration() {
        assertThat(HostedPageOptions.defaults().frameAncestorsDirective()).isEqualTo("'none'");
        assertThat(HostedPageOptions.frameAncestors("https://portal.bank.example/", "'self'", "https://*.bank.example:8443")
                .frameAncestorsDirective()).isEqualTo("https://portal.bank.example 'self' https://*.bank.example:8443");
        assertThatThrownBy(() -> HostedPageOptions.frameAncestors("https://bank.example; script-src *"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostedPageOptions.frameAncestors("*")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void originsForTheCspAreOnlyWellFormedHttpOrigins() {
        assertThat(HostedPage.origin("https://CDN.bank.example/a/b.svg?x=1")).isEqualTo("https://cdn.bank.example");
        assertThat(HostedPage.origin("http://127.0.0.1:8080/logo.png")).isEqualTo("http://127.0.0.1:8080");
        assertThat(HostedPage.origin("javascript:alert(1)")).isNull();
        assertThat(HostedPage.origin("https://a.example;script-src/x")).isNull();
        assertThat(HostedPage.origin(null)).isNull();
    }
}
