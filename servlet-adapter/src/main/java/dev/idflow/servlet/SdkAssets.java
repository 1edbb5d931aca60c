package dev.idflow.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
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
    private final StaticAssets files = new StaticAssets(sdkFiles());

    private static Map<String, String> sdkFiles() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("idflow-liveness.js", "sdk/idflow-liveness.js");
        m.put("idflow-liveness.css", "sdk/idflow-liveness.css");
        m.put("camera.js", "hosted/camera.js");
        m.put("i18n.js", "hosted/i18n.js");
        m.put("ui.js", "hosted/ui.js");
        return m;
    }

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
        String name = path.substring("/sdk/".length());
        if (!files.has(name)) {
            return false;
        }
        if (!StaticAssets.refuseUnlessGet(request, response)) {
            files.serve(request, response, name, "no-cache", "cross-origin");
        }
        return true;
    }
}
