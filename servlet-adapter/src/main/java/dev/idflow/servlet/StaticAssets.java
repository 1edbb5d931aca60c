package dev.idflow.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files of this jar served as they are: the hosted page's assets ({@link HostedPage}), the web SDK
 * ({@link SdkAssets}) and the console page's ({@link ConsolePage}). Read once; each answered with its type,
 * a strong ETag of its bytes (a 304 when the browser holds them), {@code nosniff} and the caller's caching
 * and cross-origin policy. A set of files also has one version, naming all their bytes, for URLs that
 * may be cached for good ({@code assets/v1a2b…/app.js}).
 */
final class StaticAssets {
    private static final Logger LOG = LoggerFactory.getLogger(StaticAssets.class);
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "html", "text/html; charset=utf-8");

    /** One file: its bytes, type and ETag. */
    record Asset(byte[] bytes, String contentType, String etag) {
    }

    /** An HTML page of this jar with {@code {{name}}} placeholders, each filled HTML-escaped. */
    static final class Template {
        private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
        private final String text;

        private Template(String text) {
            this.text = text;
        }

        /** Reads {@code resource}; a placeholder not in {@code known} is a broken jar. */
        static Template read(String resource, Set<String> known) {
            String text = new String(resource(resource), StandardCharsets.UTF_8);
            Matcher m = PLACEHOLDER.matcher(text);
            while (m.find()) {
                if (!known.contains(m.group(1))) {
                    throw new IllegalStateException(resource + " has an unknown placeholder " + m.group());
                }
            }
            return new Template(text);
        }

        String fill(Map<String, String> values) {
            Matcher m = PLACEHOLDER.matcher(text);
            StringBuilder out = new StringBuilder(text.length() + 256);
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(
                        HostedPage.escapeHtml(values.getOrDefault(m.group(1), ""))));
            }
            m.appendTail(out);
            return out.toString();
        }
    }

    private final Map<String, Asset> files;
    private final String version;

    /** {@code names} (served under these names) → the resource beside this class each is read from. */
    StaticAssets(Map<String, String> names) {
        Map<String, Asset> read = new LinkedHashMap<>();
        MessageDigest all = sha256();
        names.forEach((name, resource) -> {
            Asset a = asset(resource);
            read.put(name, a);
            all.update(a.bytes());
        });
        this.files = Map.copyOf(read);
        this.version = "v" + HexFormat.of().formatHex(all.digest()).substring(0, 12);
    }

    /** The files {@code names} of the resource folder {@code folder} ({@code "hosted/"}), served by their names. */
    static StaticAssets of(String folder, String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : names) {
            m.put(name, folder + name);
        }
        return new StaticAssets(m);
    }

    /** The version of all the files together ({@code v} and 12 hex digits), for URLs cached for good. */
    String version() {
        return version;
    }

    boolean has(String name) {
        return files.containsKey(name);
    }

    /**
     * Answers {@code name}'s bytes (a 304 on a matching If-None-Match), with {@code cacheControl} and
     * {@code Cross-Origin-Resource-Policy: corp}; a 404 in plain text when there is no such file.
     */
    void serve(HttpServletRequest request, HttpServletResponse response, String name, String cacheControl,
               String corp) throws IOException {
        Asset asset = files.get(name);
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (asset == null) {
            response.setStatus(HttpServletResponse.SC_NOT_FOUND);
            response.setContentType("text/plain; charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            write(request, response, "not found\n".getBytes(StandardCharsets.UTF_8), "asset");
            return;
        }
        response.setHeader("ETag", asset.etag());
        response.setHeader("Cache-Control", cacheControl);
        response.setHeader("Cross-Origin-Resource-Policy", corp);
        String ifNoneMatch = request.getHeader("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.contains(asset.etag()) || ifNoneMatch.trim().equals("*"))) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            return;
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(asset.contentType());
        write(request, response, asset.bytes(), "asset");
    }

    static boolean isGet(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
    }

    /** Answers 405 (JSON, as the API's) for anything but GET and HEAD; true when it did. */
    static boolean refuseUnlessGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (isGet(request)) {
            return false;
        }
        response.setStatus(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
        response.setHeader("Allow", "GET, HEAD");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentType("application/json");
        write(request, response,
                "{\"error_code\":\"METHOD_NOT_ALLOWED\",\"error_msg\":\"method: use GET\"}".getBytes(StandardCharsets.UTF_8),
                "asset");
        return true;
    }

    /**
     * Writes a whole small body (none for HEAD); a client that went away mid-body is only logged at debug:
     * nothing is left to tell it.
     */
    static void write(HttpServletRequest request, HttpServletResponse response, byte[] body, String what)
            throws IOException {
        response.setContentLength(body.length);
        if ("HEAD".equals(request.getMethod())) {
            return;
        }
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        } catch (IOException e) {
            LOG.debug("{}: response not completed: {}", what, e.toString());
        }
    }

    /** A resource beside this class ({@code hosted/app.js}); a missing one is a broken jar. */
    static byte[] resource(String path) {
        try (InputStream in = StaticAssets.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path + " in idflow-servlet");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Asset asset(String resource) {
        byte[] bytes = resource(resource);
        String ext = resource.substring(resource.lastIndexOf('.') + 1);
        String type = TYPES.get(ext);
        if (type == null) {
            throw new IllegalStateException("no content type for " + resource);
        }
        String etag = "\"" + HexFormat.of().formatHex(sha256().digest(bytes)).substring(0, 20) + "\"";
        return new Asset(bytes, type, etag);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
