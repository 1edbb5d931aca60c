package dev.idflow.servlet;

import dev.idflow.core.Idflow;
import dev.idflow.core.api.HostedPageInfo;
import dev.idflow.core.model.FlowUi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hosted verification page: {@code GET /hf/{vlink_id}} (the HTML, a filled template),
 * {@code GET /hf/assets/{file}} (its scripts, strings and styles, from this jar; the camera step,
 * camera.js, and the modules it needs are the web SDK's too, see {@link SdkAssets}) and
 * {@code GET /hf/{vlink_id}/custom.css} (the template's own css). Everything else under {@code /hf/}
 * is the client API, which {@link IdflowServlet} hands to idflow-core.
 *
 * <p>The vlink token is the person's only credential: the page answers 200 for any token (an unknown
 * one learns so from {@code api/state}, like a known one learns its state), never logs it, and tells
 * the browser to send it nowhere ({@code Referrer-Policy: no-referrer}, a CSP allowing no third party
 * but the template's own logo and favicon).
 */
final class HostedPage {
    private static final Logger LOG = LoggerFactory.getLogger(HostedPage.class);
    private static final String RESOURCES = "hosted/";
    private static final List<String> LOCALES = List.of("kk", "ru", "en");
    private static final Set<String> PLACEHOLDERS = Set.of(
            "lang", "title", "favicon", "assets", "custom_css", "theme", "vlink", "loading", "noscript");
    /** What a path segment may hold to be written back into a URL as it came. */
    private static final Pattern URL_SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9._~%-]{1,256}");

    /**
     * The few strings the HTML shows before its script runs; the same keys and words as i18n.js
     * (HostedPageBrowserTest checks they agree), overridable by the template's ui.translation too.
     */
    private static final Map<String, Map<String, String>> STRINGS = Map.of(
            "en", Map.of("app.title", "Identity verification", "app.loading", "Loading…",
                    "app.noscript", "Turn on JavaScript in your browser to continue."),
            "ru", Map.of("app.title", "Проверка личности", "app.loading", "Загрузка…",
                    "app.noscript", "Включите JavaScript в браузере, чтобы продолжить."),
            "kk", Map.of("app.title", "Жеке басты растау", "app.loading", "Жүктелуде…",
                    "app.noscript", "Жалғастыру үшін браузерде JavaScript-ті қосыңыз."));

    private final Idflow idflow;
    private final HostedPageOptions options;
    // assets are linked under a path that names their version: cached for a year, never stale
    private final StaticAssets assets = StaticAssets.of(RESOURCES,
            "app.js", "camera.js", "ui.js", "i18n.js", "styles.css", "favicon.svg");
    private final String version = assets.version();
    private final StaticAssets.Template template = StaticAssets.Template.read(RESOURCES + "page.html", PLACEHOLDERS);

    HostedPage(Idflow idflow, HostedPageOptions options) {
        this.idflow = Objects.requireNonNull(idflow, "idflow");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The version segment of asset URLs ({@code /hf/assets/{version}/app.js}). */
    String assetVersion() {
        return version;
    }

    /**
     * Answers the request if it is one of the page's; false to let the API have it.
     *
     * @param path the request path below the servlet's mount point, as sent (not decoded)
     */
    boolean handle(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        if (path == null || !path.startsWith("/hf/")) {
            return false;
        }
        String[] seg = path.substring("/hf/".length()).split("/", -1);
        boolean assetsPath = seg[0].equals("assets");
        if (assetsPath && seg.length == 2) {
            return onlyGet(request, response) || asset(request, response, seg[1], false);
        }
        if (assetsPath && seg.length == 3) {
            return onlyGet(request, response) || asset(request, response, seg[2], seg[1].equals(version));
        }
        if (assetsPath || seg[0].isEmpty()) {
            return false;
        }
        if (seg.length == 1) {
            return onlyGet(request, response) || page(request, response, seg[0]);
        }
        if (seg.length == 2 && seg[1].equals("custom.css")) {
            return onlyGet(request, response) || customCss(request, response, seg[0]);
        }
        if (seg.length == 2 && seg[1].isEmpty() && isGet(request)) {
            // /hf/{token}/ — the page's relative links need it without the slash
            response.setStatus(HttpServletResponse.SC_FOUND);
            response.setHeader("Location", "../" + (URL_SAFE_SEGMENT.matcher(seg[0]).matches() ? seg[0] : ""));
            response.setHeader("Cache-Control", "no-store");
            response.setHeader("Referrer-Policy", "no-referrer");
            return true;
        }
        return false;
    }

    // ---- the HTML

    private boolean page(HttpServletRequest request, HttpServletResponse response, String vlink) throws IOException {
        if (throttled(request, response, vlink)) {
            return true;
        }
        Optional<HostedPageInfo> info;
        try {
            info = idflow.hostedPage(vlink);
        } catch (RuntimeException e) {
            // a store hiccup: the page still loads and its script shows the words for what api/state says
            // only the exception's class: a store's message may quote the token it looked up
            LOG.warn("hosted page: could not read the flow behind a vlink ({})", e.getClass().getName());
            info = Optional.empty();
        }
        String locale = info.map(HostedPageInfo::locale).filter(LOCALES::contains)
                .orElseGet(() -> fromAcceptLanguage(request.getHeader("Accept-Language")));
        FlowUi ui = info.map(HostedPageInfo::ui).orElse(null);

        String logoOrigin = ui == null ? null : origin(ui.logoUrl());
        String faviconOrigin = ui == null ? null : origin(ui.faviconUrl());
        String assetsBase = "assets/" + version;
        String urlVlink = URL_SAFE_SEGMENT.matcher(vlink).matches() ? vlink : "-";

        Map<String, String> values = new LinkedHashMap<>();
        values.put("lang", locale);
        values.put("title", text(ui, locale, "app.title"));
        values.put("favicon", faviconOrigin != null ? ui.faviconUrl() : assetsBase + "/favicon.svg");
        values.put("assets", assetsBase);
        values.put("custom_css", "./" + urlVlink + "/custom.css");
        values.put("theme", ui != null && "bts".equals(ui.theme()) ? "bts" : "default");
        values.put("vlink", vlink);
        values.put("loading", text(ui, locale, "app.loading"));
        values.put("noscript", text(ui, locale, "app.noscript"));
        byte[] html = fill(values).getBytes(StandardCharsets.UTF_8);

        Set<String> imageSources = new LinkedHashSet<>(List.of("'self'", "data:", "blob:"));
        if (logoOrigin != null) {
            imageSources.add(logoOrigin);
        }
        if (faviconOrigin != null) {
            imageSources.add(faviconOrigin);
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("text/html; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Content-Security-Policy", String.join("; ",
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src " + String.join(" ", imageSources),
                "media-src 'self' blob:",
                "connect-src 'self'",
                "font-src 'self'",
                "object-src 'none'",
                "frame-ancestors " + options.frameAncestorsDirective(),
                "base-uri 'none'",
                "form-action 'self'"));
        if (options.frameAncestors().isEmpty()) {
            response.setHeader("X-Frame-Options", "DENY"); // for browsers older than frame-ancestors
        }
        response.setHeader("Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=()");
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        write(request, response, html);
        return true;
    }

    private String fill(Map<String, String> values) {
        return template.fill(values);
    }

    /** The template's override of {@code key} in {@code locale}, else ours. */
    private static String text(FlowUi ui, String locale, String key) {
        if (ui != null && ui.translation() != null) {
            Map<String, String> custom = ui.translation().get(locale);
            if (custom != null && custom.get(key) != null && !custom.get(key).isBlank()) {
                return custom.get(key);
            }
        }
        return STRINGS.get(locale).get(key);
    }

    /** kk, ru or en, the first of them the browser prefers; en when it prefers none. */
    static String fromAcceptLanguage(String header) {
        if (header != null && !header.isBlank() && header.length() < 1000) {
            try {
                for (Locale.LanguageRange range : Locale.LanguageRange.parse(header)) {
                    String r = range.getRange();
                    String lang = r.length() >= 2 ? r.substring(0, 2).toLowerCase(Locale.ROOT) : r;
                    if (LOCALES.contains(lang) && range.getWeight() > 0) {
                        return lang;
                    }
                }
            } catch (IllegalArgumentException e) {
                // a malformed header: fall through
            }
        }
        return "en";
    }

    /** {@code scheme://host[:port]} of an http(s) URL, as a CSP source; null for anything else. */
    static String origin(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        try {
            URI uri = new URI(url.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http"))
                    || !host.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\\[[0-9a-f:.]+]")) {
                return null;
            }
            int port = uri.getPort();
            return scheme + "://" + host + (port > 0 && port <= 65535 ? ":" + port : "");
        } catch (URISyntaxException e) {
            return null;
        }
    }

    static String escapeHtml(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    // ---- the template's css

    private boolean customCss(HttpServletRequest request, HttpServletResponse response, String vlink) throws IOException {
        if (throttled(request, response, vlink)) {
            return true;
        }
        String css = "";
        try {
            css = idflow.hostedPage(vlink).map(HostedPageInfo::ui).map(FlowUi::css).orElse("");
        } catch (RuntimeException e) {
            LOG.warn("hosted page: could not read the flow behind a vlink ({})", e.getClass().getName());
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("text/css; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        write(request, response, css.getBytes(StandardCharsets.UTF_8));
        return true;
    }

    /**
     * The page and its css look the vlink up in the store: throttled like the page's API calls (per
     * address and per vlink), answered 429 with Retry-After when over. Static assets are not: they
     * touch no store and are the same for everyone.
     */
    private boolean throttled(HttpServletRequest request, HttpServletResponse response, String vlink) throws IOException {
        java.util.OptionalLong wait = idflow.api().throttleHostedPage(request.getRemoteAddr(), vlink);
        if (wait.isEmpty()) {
            return false;
        }
        response.setStatus(429);
        response.setContentType("text/plain; charset=utf-8");
        response.setHeader("Retry-After", Long.toString(wait.getAsLong()));
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Content-Type-Options", "nosniff");
        write(request, response, ("Too many requests; try again in " + wait.getAsLong() + " s.")
                .getBytes(StandardCharsets.UTF_8));
        return true;
    }

    // ---- the static files

    private boolean asset(HttpServletRequest request, HttpServletResponse response, String name, boolean versioned)
            throws IOException {
        assets.serve(request, response, name,
                versioned ? "public, max-age=31536000, immutable" : "public, max-age=3600", "same-origin");
        return true;
    }

    // ---- plumbing

    private static boolean isGet(HttpServletRequest request) {
        return StaticAssets.isGet(request);
    }

    /** Answers 405 for anything but GET and HEAD; true when it did. */
    private static boolean onlyGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        return StaticAssets.refuseUnlessGet(request, response);
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, byte[] body) throws IOException {
        StaticAssets.write(request, response, body, "hosted page");
    }
}
