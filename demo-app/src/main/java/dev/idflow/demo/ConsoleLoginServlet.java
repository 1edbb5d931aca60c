package dev.idflow.demo;

import dev.idflow.servlet.ConsoleOptions;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo console's login page, {@code GET /console/login} (and {@code ?error=1} after a wrong password,
 * {@code ?logout=1} after a logout), with its two assets, {@code /console/login/login.css} and
 * {@code login.js}. The library never handles passwords: the page posts to Jetty's
 * {@code /console/j_security_check} ({@link ConsoleAuthenticator}). Under the console's strict CSP
 * (no inline script or style, nothing from elsewhere), in kk, ru and en: {@code ?lang=}, else the
 * browser's {@code Accept-Language}, else en; login.js keeps the choice in the console page's own
 * {@code localStorage} key, so a choice made on either page holds on the other.
 */
final class ConsoleLoginServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String MAPPING = ConsoleAuthenticator.LOGIN_PAGE + "/*";
    /** The console page's (servlet-adapter) policy, word for word. */
    static final String CSP = ConsoleOptions.PAGE_CSP;
    static final List<String> LOCALES = List.of("kk", "ru", "en");

    private static final Map<String, String> ASSETS = Map.of(
            "login.css", "text/css; charset=utf-8",
            "login.js", "text/javascript; charset=utf-8");

    /** Every string the page shows, per locale; the keys are the template's {{placeholders}}. */
    static final Map<String, Map<String, String>> STRINGS = Map.of(
            "en", Map.of(
                    "title", "idflow console — sign in",
                    "heading", "Sign in to the operator console",
                    "username", "User name",
                    "password", "Password",
                    "submit", "Sign in",
                    "error", "Wrong user name or password. Try again.",
                    "logout", "You have signed out.",
                    "language", "Language"),
            "ru", Map.of(
                    "title", "Консоль idflow — вход",
                    "heading", "Вход в консоль оператора",
                    "username", "Имя пользователя",
                    "password", "Пароль",
                    "submit", "Войти",
                    "error", "Неверное имя пользователя или пароль. Попробуйте ещё раз.",
                    "logout", "Вы вышли из консоли.",
                    "language", "Язык"),
            "kk", Map.of(
                    "title", "idflow консолі — кіру",
                    "heading", "Оператор консоліне кіру",
                    "username", "Пайдаланушы аты",
                    "password", "Құпиясөз",
                    "submit", "Кіру",
                    "error", "Пайдаланушы аты немесе құпиясөз қате. Қайталап көріңіз.",
                    "logout", "Сіз консольден шықтыңыз.",
                    "language", "Тіл"));

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String file = req.getPathInfo() == null ? "" : req.getPathInfo();
        headers(resp);
        if (file.isEmpty()) {
            page(req, resp);
            return;
        }
        String type = ASSETS.get(file.substring(1));
        if (type == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        DemoPages.write(resp, type, DemoPages.resource("console-login", file.substring(1)));
    }

    static void headers(HttpServletResponse resp) {
        resp.setHeader("Content-Security-Policy", CSP);
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("X-Frame-Options", "DENY");
    }

    private static void page(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String lang = langParameter(req.getQueryString());
        if (lang == null) {
            lang = fromAcceptLanguage(req.getHeader("Accept-Language"));
        }
        Map<String, String> strings = STRINGS.get(lang);
        String base = req.getContextPath() + ConsoleAuthenticator.LOGIN_PAGE;
        String html = new String(DemoPages.resource("console-login", "login.html"), StandardCharsets.UTF_8)
                .replace("{{lang}}", lang)
                .replace("{{base}}", DemoPages.escapeHtml(base))
                .replace("{{action}}", DemoPages.escapeHtml(req.getContextPath() + "/console/j_security_check?lang=" + lang));
        for (Map.Entry<String, String> s : strings.entrySet()) {
            html = html.replace("{{" + s.getKey() + "}}", DemoPages.escapeHtml(s.getValue()));
        }
        String query = req.getQueryString() == null ? "" : "&" + req.getQueryString() + "&";
        // the message shown, if any: hidden by the template's attribute otherwise (no inline style)
        html = html.replace("{{error-hidden}}", query.contains("&error=1&") ? "" : " hidden")
                .replace("{{logout-hidden}}", query.contains("&logout=1&") ? "" : " hidden");
        for (String other : LOCALES) {
            html = html.replace("{{current-" + other + "}}", other.equals(lang) ? " aria-current=\"true\"" : "");
        }
        DemoPages.write(resp, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code lang=kk|ru|en} in a query string, else null (anything else is ignored, never echoed). */
    static String langParameter(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("lang=") && LOCALES.contains(pair.substring(5))) {
                return pair.substring(5);
            }
        }
        return null;
    }

    static String fromAcceptLanguage(String header) {
        if (header != null) {
            try {
                for (Locale.LanguageRange range : Locale.LanguageRange.parse(header)) {
                    String primary = range.getRange().split("-")[0].toLowerCase(Locale.ROOT);
                    if (LOCALES.contains(primary)) {
                        return primary;
                    }
                }
            } catch (IllegalArgumentException e) {
                // a malformed header: the default
            }
        }
        return "en";
    }

    /**
     * {@code POST /console/logout}: the session (and with it the form login) ends, and the browser goes
     * to the login page. A post from another site is refused (403): a page elsewhere must not sign an
     * operator out. Basic has nothing to end (the browser sends the header again until it is closed).
     */
    static final class Logout extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            headers(resp);
            if (crossSite(req)) {
                resp.sendError(HttpServletResponse.SC_FORBIDDEN, "logout: refused from another site");
                return;
            }
            try {
                req.logout();
            } catch (jakarta.servlet.ServletException e) {
                // nothing more to undo than the session below
            }
            HttpSession session = req.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            resp.setStatus(HttpServletResponse.SC_SEE_OTHER);
            resp.setHeader("Location", req.getContextPath() + ConsoleAuthenticator.LOGIN_PAGE + "?logout=1");
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Allow", "POST");
            resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
        }

        /** Sec-Fetch-Site says another site, or the Origin is not this server. */
        static boolean crossSite(HttpServletRequest req) {
            String site = req.getHeader("Sec-Fetch-Site");
            if (site != null && !site.equals("same-origin") && !site.equals("none")) {
                return true;
            }
            String origin = req.getHeader("Origin");
            if (origin == null) {
                return false;
            }
            try {
                URI o = URI.create(origin);
                int port = o.getPort() != -1 ? o.getPort() : "https".equalsIgnoreCase(o.getScheme()) ? 443 : 80;
                return !(req.getScheme().equalsIgnoreCase(o.getScheme()) && req.getServerName().equalsIgnoreCase(o.getHost())
                        && req.getServerPort() == port);
            } catch (IllegalArgumentException e) {
                return true;
            }
        }
    }
}
