package dev.idflow.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The web SDK: {@code GET {mount}/sdk/idflow-liveness.js}, an ES module a bank imports into its own
 * page, its stylesheet, and the modules it imports from beside it. Those are the hosted page's own
 * files (its camera step, words and DOM helpers), read from the same resources of this jar: one copy
 * of the source, the same bytes under {@code /hf/assets/{version}/} and under {@code /sdk/}.
 *
 * <p>The URLs are not versioned (a bank links one URL for good), so every answer is {@code no-cache}
 * with a strong ETag of its content: the browser keeps its copy and asks each time whether it still
 * holds, and gets a 304 until idflow is upgraded. The files are meant for other origins' pages:
 * {@code Cross-Origin-Resource-Policy: cross-origin}; which origins may run the module is the CORS
 * setting's business (a module script is fetched with CORS).
 */
final class SdkAssets {
    private static final String JS = "text/javascript; charset=utf-8";

    /** An SDK file: its bytes, type and ETag. */
    private record Asset(byte[] bytes, String contentType, String etag) {
    }

    private final Map<String, Asset> files = Map.of(
            "idflow-liveness.js", asset("sdk/idflow-liveness.js", JS),
            "idflow-liveness.css", asset("sdk/idflow-liveness.css", "text/css; charset=utf-8"),
            "camera.js", asset("hosted/camera.js", JS),
            "i18n.js", asset("hosted/i18n.js", JS),
            "ui.js", asset("hosted/ui.js", JS));

    /**
     * Answers the request if it asks for an SDK file; false to let the API have it (an unknown name
     * under {@code /sdk/} is the API's 404).
     *
     * @param path the request path below the servlet's mount point, as sent (not decoded)
     */
    boolean handle(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        if (path == null || !path.startsWith("/sdk/")) {
            return false;
        }
        Asset asset = files.get(path.substring("/sdk/".length()));
        if (asset == null) {
            return false;
        }
        String method = request.getMethod();
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            response.setStatus(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            response.setHeader("Allow", "GET, HEAD");
            response.setHeader("Cache-Control", "no-store");
            response.setContentType("application/json");
            write(request, response,
                    "{\"error_code\":\"METHOD_NOT_ALLOWED\",\"error_msg\":\"method: use GET\"}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        response.setHeader("ETag", asset.etag());
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
        String ifNoneMatch = request.getHeader("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.contains(asset.etag()) || ifNoneMatch.trim().equals("*"))) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            return true;
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(asset.contentType());
        write(request, response, asset.bytes());
        return true;
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, byte[] body) throws IOException {
        HostedPage.write(request, response, body, "sdk");
    }

    private static Asset asset(String resource, String contentType) {
        byte[] bytes;
        try (InputStream in = SdkAssets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " in idflow-servlet");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new Asset(bytes, contentType, "\"" + HexFormat.of().formatHex(digest).substring(0, 20) + "\"");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
