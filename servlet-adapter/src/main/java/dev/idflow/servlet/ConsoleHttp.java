package dev.idflow.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.console.ConsoleApi;
import dev.idflow.core.console.ConsoleException;
import dev.idflow.core.console.ConsoleFiles;
import dev.idflow.core.console.Operator;
import dev.idflow.core.internal.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /console/api/*} over HTTP: access (the host's {@link ConsoleOptions}), CSRF for every change, JSON
 * in and out, {@code no-store}. Every decision about flows is {@link ConsoleApi}'s.
 */
final class ConsoleHttp {
    static final String PREFIX = "/console/api";
    static final String CSRF_HEADER = "X-Idflow-Csrf";
    private static final int MAX_BODY = 64 * 1024;

    private final ConsoleApi api;
    private final ConsoleOptions options;

    ConsoleHttp(ConsoleApi api, ConsoleOptions options) {
        this.api = api;
        this.options = options;
    }

    /** Whether {@code rawPath} is the console API's (and so answered here). */
    boolean handles(String rawPath) {
        return options.enabled() && (rawPath.equals(PREFIX) || rawPath.startsWith(PREFIX + "/"));
    }

    void serve(HttpServletRequest request, HttpServletResponse response, String rawPath) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        try {
            ConsoleOptions.Access access = options.access(request);
            if (access instanceof ConsoleOptions.Access.Unauthenticated) {
                throw new ConsoleException(401, "UNAUTHENTICATED", null, "log in as an operator first");
            }
            if (!(access instanceof ConsoleOptions.Access.Granted granted)) {
                throw new ConsoleException(403, "NOT_AN_OPERATOR", null,
                        "the principal is not an operator (role " + ConsoleOptions.ROLE + ")");
            }
            Operator op = granted.operator();
            String method = request.getMethod().toUpperCase(Locale.ROOT);
            JsonNode body = null;
            if (ConsoleApi.changes(method)) {
                checkSameOrigin(request);
                if (!api.csrfValid(op.principal(), request.getHeader(CSRF_HEADER))) {
                    throw new ConsoleException(403, "CSRF_REFUSED", CSRF_HEADER, CSRF_HEADER
                            + ": must be the csrf_token of GET " + PREFIX + "/session");
                }
                body = readBody(request);
            }
            String path = decode(rawPath.substring(PREFIX.length()));
            if ((method.equals("GET") || method.equals("HEAD")) && path.matches("/files/[^/]+/?")) {
                serveFile(request, response, op, path.split("/")[2], method.equals("HEAD"));
                return;
            }
            ConsoleApi.Answer answer = api.handle(op, method, path, query(request.getQueryString()), body);
            write(response, answer.status(), answer.body());
        } catch (ConsoleException e) {
            ObjectNode error = Json.mapper().createObjectNode();
            error.put("error_code", e.code());
            if (e.field() != null) {
                error.put("field", e.field());
            }
            error.put("message", e.getMessage());
            if (e.status() == 401) {
                response.setHeader("WWW-Authenticate", "Basic realm=\"idflow console\"");
            }
            write(response, e.status(), error);
        }
    }

    // ---------------------------------------------------------------- files

    private static final int CHUNK = 64 * 1024;

    /**
     * {@code GET /files/{file_id}}: the file's bytes, whole or one Range, streamed in chunks from the store
     * (a 200 MB video never sits in memory). Rendered inline in a sandbox with no rights at all
     * ({@code default-src 'none'; sandbox}), never sniffed; {@code ?download=1} makes it an attachment.
     */
    private void serveFile(HttpServletRequest request, HttpServletResponse response, Operator op, String fileId,
                           boolean head) throws IOException {
        Map<String, String> q = query(request.getQueryString());
        for (String name : q.keySet()) {
            if (!name.equals("download")) {
                throw new ConsoleException(422, "INVALID_INPUT", name, name + ": is not a parameter of a file (download)");
            }
        }
        String download = q.getOrDefault("download", "0");
        if (!download.equals("0") && !download.equals("1")) {
            throw new ConsoleException(422, "INVALID_INPUT", "download", "download: must be 1 (an attachment) or 0");
        }
        ConsoleFiles.Download file = api.file(op, fileId);
        long size = file.size();
        long[] range = range(request.getHeader("Range"), size);
        response.setHeader("Accept-Ranges", "bytes");
        response.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
        response.setHeader("Content-Disposition", (download.equals("1") ? "attachment" : "inline")
                + "; filename=\"" + file.fileName() + "\"");
        if (range == UNSATISFIABLE) {
            response.setHeader("Content-Range", "bytes */" + size);
            throw new ConsoleException(416, "RANGE_NOT_SATISFIABLE", "Range",
                    "Range: must start within the file's " + size + " bytes");
        }
        long first = range == null ? 0 : range[0];
        long length = range == null ? size : range[1] - range[0] + 1;
        response.setStatus(range == null ? 200 : 206);
        if (range != null) {
            response.setHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
        }
        response.setContentType(file.contentType());
        response.setContentLengthLong(length);
        if (head) {
            return;
        }
        try (InputStream in = file.open(first)) {
            var out = response.getOutputStream();
            byte[] buffer = new byte[CHUNK];
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("file " + fileId + " ended " + left + " bytes early");
                }
                out.write(buffer, 0, n);
                left -= n;
            }
        }
    }

    private static final long[] UNSATISFIABLE = new long[0];

    /**
     * The one range of a {@code Range: bytes=…} header as {first, last} (inclusive, last clamped to the file),
     * {@link #UNSATISFIABLE} when it starts past the end, or null for the whole file: no header, several
     * ranges (answered whole, as RFC 9110 allows), another unit, or a header that does not parse (ignored).
     */
    static long[] range(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return null;
        }
        String spec = header.substring("bytes=".length()).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix < 0) {
                    return null;
                }
                return suffix == 0 || size == 0 ? UNSATISFIABLE : new long[] {Math.max(0, size - suffix), size - 1};
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (first < 0 || last < first) {
                return null;
            }
            return first >= size ? UNSATISFIABLE : new long[] {first, Math.min(last, size - 1)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A change from a page of another site is refused: Sec-Fetch-Site and Origin, when sent, must be this origin. */
    private static void checkSameOrigin(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new ConsoleException(403, "CROSS_SITE_REFUSED", "Sec-Fetch-Site",
                    "Sec-Fetch-Site: must be same-origin for a change");
        }
        String origin = request.getHeader("Origin");
        if (origin != null) {
            String own = request.getScheme() + "://" + request.getServerName()
                    + (isDefaultPort(request) ? "" : ":" + request.getServerPort());
            if (!sameOrigin(origin, own)) {
                throw new ConsoleException(403, "CROSS_SITE_REFUSED", "Origin",
                        "Origin: must be this server's own origin for a change");
            }
        }
    }

    private static boolean isDefaultPort(HttpServletRequest r) {
        return ("http".equals(r.getScheme()) && r.getServerPort() == 80) || ("https".equals(r.getScheme()) && r.getServerPort() == 443);
    }

    private static boolean sameOrigin(String origin, String own) {
        try {
            URI a = URI.create(origin);
            URI b = URI.create(own);
            return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                    && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static JsonNode readBody(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() == 0 || (request.getContentType() == null && request.getContentLengthLong() < 0)) {
            return null;
        }
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ConsoleException(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type", "Content-Type: must be application/json");
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new ConsoleException(413, "BODY_TOO_LARGE", "body", "body: must be at most " + MAX_BODY + " bytes");
        }
        if (bytes.length == 0) {
            return null;
        }
        try {
            return Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw new ConsoleException(422, "INVALID_INPUT", "body", "body: must be a JSON object");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decodeParam(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decodeParam(pair.substring(eq + 1));
            if (out.putIfAbsent(name, value) != null) {
                throw new ConsoleException(422, "INVALID_INPUT", name, name + ": must be given once");
            }
        }
        return out;
    }

    private static String decodeParam(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConsoleException(400, "INVALID_INPUT", null, "the query string is not valid %-encoding");
        }
    }

    /** Each segment %-decoded (a '+' stays a '+' in a path). */
    private static String decode(String rawPath) {
        StringBuilder out = new StringBuilder();
        for (String segment : rawPath.split("/", -1)) {
            if (out.length() > 0 || !segment.isEmpty()) {
                out.append('/');
            }
            out.append(decodeParam(segment.replace("+", "%2B")));
        }
        return out.toString();
    }

    private static void write(HttpServletResponse response, int status, JsonNode body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = Json.mapper().writeValueAsBytes(body);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
