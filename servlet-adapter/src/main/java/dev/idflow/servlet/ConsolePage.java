package dev.idflow.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator console's page, when the host enabled the console ({@link ConsoleOptions}):
 * {@code GET /console/} (the HTML shell), {@code GET /console/assets/{version}/{file}} (its scripts,
 * strings and styles, from this jar, cached for good under the version naming their bytes) and
 * {@code /console} redirected to {@code /console/}. Everything the page shows it reads from the console
 * API ({@code /console/api/*}, {@link ConsoleHttp}) with the operator's own access.
 *
 * <p>Access is the API's: the same {@link ConsoleOptions} decide, and a refusal is the same 401 or 403,
 * as a small HTML page. The CSP allows nothing but this origin (no inline script or style, no third
 * party, no framing).
 */
final class ConsolePage {
    static final String PREFIX = "/console";
    static final String CSP = ConsoleOptions.PAGE_CSP;
    private static final String RESOURCES = "console/";
    private static final List<String> LOCALES = List.of("kk", "ru", "en");
    private static final Pattern LANG_PARAM = Pattern.compile("(?:^|&)lang=(kk|ru|en)(?:&|$)");

    /** What the HTML shows before its script runs, and the refusals; the same words as i18n.js. */
    static final Map<String, Map<String, String>> STRINGS = Map.of(
            "en", Map.of("title", "idflow — operator console", "loading", "Loading…",
                    "noscript", "Turn on JavaScript in your browser to use the console.",
                    "401", "Log in as an operator to open the console.",
                    "403", "Your account is not an operator of the console."),
            "ru", Map.of("title", "idflow — консоль оператора", "loading", "Загрузка…",
                    "noscript", "Включите JavaScript в браузере, чтобы работать с консолью.",
                    "401", "Войдите как оператор, чтобы открыть консоль.",
                    "403", "Ваша учётная запись не является оператором консоли."),
            "kk", Map.of("title", "idflow — оператор консолі", "loading", "Жүктелуде…",
                    "noscript", "Консольмен жұмыс істеу үшін браузерде JavaScript-ті қосыңыз.",
                    "401", "Консольді ашу үшін оператор ретінде кіріңіз.",
                    "403", "Сіздің тіркелгіңіз консоль операторы емес."));

    private final ConsoleOptions options;
    private final StaticAssets assets = new StaticAssets(assetFiles());
    private final StaticAssets.Template shell = StaticAssets.Template.read(RESOURCES + "console.html",
            Set.of("lang", "title", "assets", "loading", "noscript", "sign_out"));

    /** The console's own files, and the hosted page's DOM helper it builds on (ui.js, the same bytes). */
    private static Map<String, String> assetFiles() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : List.of("console.js", "api.js", "dom.js", "i18n.js", "charts.js", "flows.js", "admin.js",
                "console.css", "favicon.svg")) {
            m.put(name, RESOURCES + name);
        }
        m.put("ui.js", "hosted/ui.js");
        return m;
    }

    ConsolePage(ConsoleOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The version segment of the asset URLs ({@code /console/assets/{version}/console.js}). */
    String assetVersion() {
        return assets.version();
    }

    /**
     * Answers the request if it is one of the page's (the console is enabled and the path is
     * {@code /console}, {@code /console/} or under {@code /console/assets/}); false otherwise.
     *
     * @param path the request path below the servlet's mount point, as sent (not decoded)
     */
    boolean handle(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        if (!options.enabled() || path == null) {
            return false;
        }
        boolean shellPath = path.equals(PREFIX + "/");
        boolean assetPath = path.startsWith(PREFIX + "/assets/");
        if (!path.equals(PREFIX) && !shellPath && !assetPath) {
            return false;
        }
        if (StaticAssets.refuseUnlessGet(request, response)) {
            return true;
        }
        if (path.equals(PREFIX)) {
            // the page's relative links (assets/…, api/…) need the trailing slash
            String query = request.getQueryString();
            response.setStatus(HttpServletResponse.SC_FOUND);
            response.setHeader("Location", "console/" + (query != null && LANG_PARAM.matcher(query).find()
                    ? "?lang=" + lang(request) : ""));
            response.setHeader("Cache-Control", "no-store");
            return true;
        }
        ConsoleOptions.Access access = options.access(request);
        if (!(access instanceof ConsoleOptions.Access.Granted)) {
            refuse(request, response, access instanceof ConsoleOptions.Access.Unauthenticated ? 401 : 403);
            return true;
        }
        if (shellPath) {
            shell(request, response);
            return true;
        }
        String[] seg = path.substring((PREFIX + "/assets/").length()).split("/", -1);
        if (seg.length == 2 && seg[0].equals(assets.version())) {
            assets.serve(request, response, seg[1], "private, max-age=31536000, immutable", "same-origin");
        } else if (seg.length == 1) {
            assets.serve(request, response, seg[0], "private, no-cache", "same-origin");
        } else {
            assets.serve(request, response, "", "no-store", "same-origin"); // the 404
        }
        return true;
    }

    private void shell(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String lang = lang(request);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("lang", lang);
        values.put("title", STRINGS.get(lang).get("title"));
        values.put("assets", "assets/" + assets.version());
        values.put("loading", STRINGS.get(lang).get("loading"));
        values.put("noscript", STRINGS.get(lang).get("noscript"));
        values.put("sign_out", options.signOutPath() == null ? "" : options.signOutPath());
        response.setStatus(HttpServletResponse.SC_OK);
        pageHeaders(response);
        StaticAssets.write(request, response, shell.fill(values).getBytes(StandardCharsets.UTF_8), "console page");
    }

    /** The API's 401 or 403 as a small HTML page in the operator's language. */
    private void refuse(HttpServletRequest request, HttpServletResponse response, int status) throws IOException {
        String lang = lang(request);
        String text = HostedPage.escapeHtml(STRINGS.get(lang).get(Integer.toString(status)));
        String title = HostedPage.escapeHtml(STRINGS.get(lang).get("title"));
        String html = "<!doctype html>\n<html lang=\"" + lang + "\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<title>" + status + " — " + title + "</title>\n</head>\n<body>\n<h1>" + title + "</h1>\n<p>"
                + text + "</p>\n</body>\n</html>\n";
        response.setStatus(status);
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"idflow console\"");
        }
        pageHeaders(response);
        StaticAssets.write(request, response, html.getBytes(StandardCharsets.UTF_8), "console page");
    }

    private static void pageHeaders(HttpServletResponse response) {
        response.setContentType("text/html; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "same-origin");
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Frame-Options", "DENY"); // for browsers older than frame-ancestors
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    }

    /** {@code ?lang=kk|ru|en}, else the first of them the browser prefers, else en. */
    private static String lang(HttpServletRequest request) {
        String q = request.getParameter("lang");
        if (q != null && LOCALES.contains(q)) {
            return q;
        }
        return HostedPage.fromAcceptLanguage(request.getHeader("Accept-Language"));
    }
}
