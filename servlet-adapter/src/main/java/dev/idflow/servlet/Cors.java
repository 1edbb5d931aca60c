package dev.idflow.servlet;

import dev.idflow.core.api.ApiException;
import dev.idflow.core.api.ApiRequest;
import dev.idflow.core.api.ApiResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CORS for what a bank's own page calls from its origin with the web SDK: the liveness client API's
 * two paths and the SDK's files. Nothing else ever carries a CORS header: the consumer API's key
 * belongs on a backend, and the hosted page and its API are served from idflow's own origin.
 *
 * <p>Here in the adapter, not in idflow-core: CORS is an agreement between a browser and an HTTP
 * server, decided from the method, the path and two headers before any operation runs, and it covers
 * files ({@code /sdk/}) that only the adapter serves. The dispatcher's decisions (who the caller is,
 * what the session allows) are the same for a request from any origin — a browser's refusal is the
 * browser's, the server answers as usual — so core needs no notion of one.
 *
 * <p>No cookies are involved anywhere (the access token travels in {@code Authorization}), so
 * {@code Access-Control-Allow-Credentials} is never sent.
 */
final class Cors {
    static final String ALLOW_METHODS = "GET, POST";
    static final String ALLOW_HEADERS = "Authorization, Content-Type";
    /** Seconds a browser may reuse a preflight: a session's upload follows its read within minutes. */
    static final String MAX_AGE = "600";
    /** A browser shows a script only the safelisted response headers; a 429's wait is needed too. */
    static final String EXPOSE_HEADERS = "Retry-After";
    /** What of a refused origin the error message repeats; the header is the caller's text. */
    private static final int MAX_ECHOED_ORIGIN = 200;

    private final CorsOptions options;

    Cors(CorsOptions options) {
        this.options = options;
    }

    /**
     * The liveness client API's two paths (with or without a trailing slash, as the dispatcher routes
     * them) and everything under {@code /sdk/}.
     *
     * @param path the request path below the mount point, as sent
     */
    static boolean covers(String path) {
        if (path == null) {
            return false;
        }
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.equals("/liveness2/client/session") || p.equals("/liveness2/client/attempts")
                || path.startsWith("/sdk/");
    }

    /**
     * The answer to a CORS preflight of a covered path, or null when the request is not one (it goes on
     * to the API as any request; a plain OPTIONS is answered 405 there). A preflight is an OPTIONS with
     * {@code Origin} and {@code Access-Control-Request-Method}. An allowed origin gets 204 with what
     * the SDK sends (GET and POST, the bearer token and a content type); any other gets a 403 that
     * carries no CORS header, so the browser refuses the request it was asking about.
     */
    ApiResponse preflight(ApiRequest request) {
        String origin = request.header("Origin");
        if (!"OPTIONS".equals(request.method()) || origin == null
                || request.header("Access-Control-Request-Method") == null || !covers(request.rawPath())) {
            return null;
        }
        ApiResponse answer;
        if (options.allows(origin)) {
            answer = ApiResponse.empty(204)
                    .header("Access-Control-Allow-Origin", origin)
                    .header("Access-Control-Allow-Methods", ALLOW_METHODS)
                    .header("Access-Control-Allow-Headers", ALLOW_HEADERS)
                    .header("Access-Control-Max-Age", MAX_AGE);
        } else {
            String shown = origin.length() > MAX_ECHOED_ORIGIN ? origin.substring(0, MAX_ECHOED_ORIGIN) + "…" : origin;
            answer = ApiResponse.error(new ApiException(403, "ORIGIN_NOT_ALLOWED", "Origin: " + shown + " is not allowed"));
        }
        vary(answer.headers());
        answer.header("Cache-Control", "no-store").header("X-Content-Type-Options", "nosniff");
        return answer;
    }

    /**
     * The CORS headers of the answer to a request that is not a preflight: for an allowed origin on a
     * covered path, that origin (echoed, never {@code *}) and the headers a script may read. On a
     * covered path {@code Vary: Origin} whenever CORS is on, whatever the origin: a shared cache must
     * not hand one origin's answer (or a same-origin one, without the header) to another.
     */
    Map<String, String> answerHeaders(ApiRequest request) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (!covers(request.rawPath())) {
            return headers;
        }
        vary(headers);
        String origin = request.header("Origin");
        if (options.allows(origin)) {
            headers.put("Access-Control-Allow-Origin", origin);
            headers.put("Access-Control-Expose-Headers", EXPOSE_HEADERS);
        }
        return headers;
    }

    private void vary(Map<String, String> headers) {
        if (!options.allowedOrigins().isEmpty()) {
            headers.put("Vary", "Origin");
        }
    }
}
