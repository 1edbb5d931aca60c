package dev.idflow.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web SDK's example page, {@code GET /sdk/example}: what a bank's front-end developer opens first.
 * It creates nothing: the developer pastes an access token their back end got from
 * {@code POST /liveness2/session} (or opens the page with {@code #token=…}), and the page runs
 * {@code start()} from {@code /sdk/idflow-liveness.js} beside it and shows what it resolves with.
 *
 * <p>A demo page, so the demo serves it, mapped beside the idflow servlet (a longer path mapping wins);
 * the idflow servlet itself carries no example. Static files with a strict CSP: its own script and
 * style only, calls to its own origin only.
 */
final class SdkExampleServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The servlet mapping, below the demo's root. */
    static final String MAPPING = "/sdk/example/*";

    private static final Map<String, String> TYPES = Map.of(
            "example.js", "text/javascript; charset=utf-8",
            "example.css", "text/css; charset=utf-8");

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String file = req.getPathInfo() == null ? "" : req.getPathInfo();
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Referrer-Policy", "no-referrer");
        if (file.isEmpty() || file.equals("/")) {
            String base = req.getContextPath() + req.getServletPath();
            String html = new String(DemoPages.resource("sdk-example", "index.html"), StandardCharsets.UTF_8).replace("{{base}}", DemoPages.escapeHtml(base));
            resp.setHeader("Content-Security-Policy", String.join("; ",
                    "default-src 'none'",
                    "script-src 'self'",
                    "style-src 'self'",
                    "connect-src 'self'",
                    "img-src 'self'",
                    "frame-ancestors 'none'",
                    "base-uri 'none'",
                    "form-action 'none'"));
            resp.setHeader("Permissions-Policy", "camera=(self), microphone=(), geolocation=()");
            DemoPages.write(resp, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
            return;
        }
        String name = file.substring(1);
        String type = TYPES.get(name);
        if (type == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        DemoPages.write(resp, type, DemoPages.resource("sdk-example", name));
    }
}
