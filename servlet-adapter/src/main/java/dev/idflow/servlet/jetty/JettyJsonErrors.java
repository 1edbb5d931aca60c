package dev.idflow.servlet.jetty;

import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.internal.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty answers itself, before idflow sees the request (bad %-encoding, an ambiguous path such
 * as {@code /flow/%2e%2e%2f}, a URI or headers too large: 400, 414, 431…), as the API answers: a
 * {@code SaasErrorResponse} JSON body, never cached, never sniffed, whatever the client accepts, and
 * without echoing the request or naming an exception. Jetty's own page is HTML that repeats its
 * parser's reason. One class for both places Jetty asks: the server ({@link #server()}, for what
 * fails before a context is chosen) and the ee10 context ({@link #context()}).
 *
 * <p>For hosts on Jetty 12.1 (ee10): the adapter itself needs no Jetty, so this package is compiled
 * against Jetty as an optional, provided dependency and is loaded only by a host that calls it:
 * <pre>{@code
 * server.setErrorHandler(JettyJsonErrors.server());
 * servletContextHandler.setErrorHandler(JettyJsonErrors.context());
 * }</pre>
 * A request line with an HTTP version Jetty does not speak (Jetty's 505) is answered 400: it is the
 * client's malformed request, not a failure of the server.
 */
public final class JettyJsonErrors {
    private JettyJsonErrors() {
    }

    /** For {@code server.setErrorHandler(...)}. */
    public static org.eclipse.jetty.server.handler.ErrorHandler server() {
        return new Core();
    }

    /** For {@code servletContextHandler.setErrorHandler(...)}. */
    public static org.eclipse.jetty.ee10.servlet.ErrorHandler context() {
        return new Ee10();
    }

    /** The spec's UPPER_SNAKE error_code for a status Jetty answers. */
    public static String errorCode(int status) {
        return switch (status) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHENTICATED";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 408 -> "REQUEST_TIMEOUT";
            case 411 -> "LENGTH_REQUIRED";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 414 -> "URI_TOO_LONG";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            case 417 -> "EXPECTATION_FAILED";
            case 431 -> "HEADERS_TOO_LARGE";
            case 500 -> "INTERNAL_ERROR";
            case 501 -> "NOT_IMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 505 -> "HTTP_VERSION_NOT_SUPPORTED";
            default -> status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
        };
    }

    /** A fixed text per status: the parser's reason could repeat part of the request. */
    public static String errorMessage(int status) {
        return switch (status) {
            case 400 -> "request: malformed (bad %-encoding, an ambiguous path, a header the server refuses or an "
                    + "HTTP version it does not speak)";
            // the container's own login (a security constraint) refused the credentials, or there were none
            case 401 -> "credentials: missing or not accepted";
            case 404 -> "path: no operation here; see /openapi.json";
            case 408 -> "request: not received in time";
            case 413 -> "body: too large";
            case 414 -> "path: the request line is too long";
            case 431 -> "headers: too large";
            default -> status >= 500 ? "the server could not complete the request" : "request: refused by the server";
        };
    }

    public static byte[] body(int status) {
        try {
            return Json.mapper().writeValueAsBytes(new ApiResponse.ErrorBody(errorCode(status), errorMessage(status)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void headers(HttpFields.Mutable fields) {
        fields.put(HttpHeader.CACHE_CONTROL, "no-store");
        fields.put("X-Content-Type-Options", "nosniff");
    }

    /** Jetty's server-level handler (core), answering in JSON. */
    private static final class Core extends org.eclipse.jetty.server.handler.ErrorHandler {
        Core() {
            setCacheControl("no-store");
            setShowStacks(false);
            setShowCauses(false);
            setShowMessageInTitle(false);
        }

        @Override
        public boolean errorPageForMethod(String method) {
            return true; // a PUT refused gets the same JSON as a GET
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message,
                                        Throwable cause, Callback callback) throws IOException {
            // the parser's 505 for a request line of an HTTP version Jetty does not speak: the client's
            // malformed request, not a failure of the server
            int answered = code == 505 ? 400 : code;
            response.setStatus(answered);
            super.generateResponse(request, response, answered, message, cause, callback);
        }

        @Override
        protected void generateCacheControl(Response response) {
            headers(response.getHeaders());
        }

        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                                                     String contentType, List<Charset> charsets, int code,
                                                     String message, Throwable cause) throws IOException {
            // JSON whatever the client's Accept: this is an API, and its clients parse error bodies
            return super.generateAcceptableResponse(request, response, callback, "application/json",
                    List.of(StandardCharsets.UTF_8), code, message, cause);
        }

        @Override
        protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
            writer.write(new String(body(code), StandardCharsets.UTF_8));
        }
    }

    /** The ee10 context's handler (the servlet side), answering in JSON. */
    private static final class Ee10 extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
        Ee10() {
            setCacheControl("no-store");
            setShowStacks(false);
            setShowCauses(false);
            setShowMessageInTitle(false);
        }

        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateCacheControl(Response response) {
            headers(response.getHeaders());
        }

        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                                                     String contentType, List<Charset> charsets, int code,
                                                     String message, Throwable cause) throws IOException {
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            return super.generateAcceptableResponse(request, response, callback, "application/json",
                    List.of(StandardCharsets.UTF_8), code, message, cause);
        }

        @Override
        protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
            writer.write(new String(body(code), StandardCharsets.UTF_8));
        }
    }
}
