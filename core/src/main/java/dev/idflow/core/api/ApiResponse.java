package dev.idflow.core.api;

import dev.idflow.core.internal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the API answers: a status, headers, and a body that writes itself to the wire, either a JSON
 * value or a stream copied from storage (never loaded whole).
 */
public final class ApiResponse {
    /** Writes a body to the client. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final int status;
    private final String contentType;
    private final Map<String, String> headers;
    private final Body body;
    private final long contentLength;

    private ApiResponse(int status, String contentType, Map<String, String> headers, Body body, long contentLength) {
        this.status = status;
        this.contentType = contentType;
        this.headers = headers;
        this.body = body;
        this.contentLength = contentLength;
    }

    /**
     * A JSON answer, serialised here, at once: the container gets the whole body with its Content-Length in
     * one write (never chunked), and a value that cannot be serialised fails inside the dispatcher, which
     * answers the JSON 500, rather than halfway through a body already sent.
     */
    public static ApiResponse json(int status, Object value) {
        byte[] bytes;
        try {
            bytes = Json.mapper().writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("could not write an answer as JSON: " + e.getOriginalMessage(), e);
        }
        return new ApiResponse(status, "application/json", new LinkedHashMap<>(), out -> out.write(bytes), bytes.length);
    }

    public static ApiResponse stream(String contentType, long contentLength, Body body) {
        return new ApiResponse(200, contentType, new LinkedHashMap<>(), body, contentLength);
    }

    /** An answer with no body (e.g. 204). */
    public static ApiResponse empty(int status) {
        return new ApiResponse(status, null, new LinkedHashMap<>(), out -> { }, -1);
    }

    public static ApiResponse error(ApiException e) {
        ApiResponse response = e instanceof InputError input
                ? json(e.status(), new InputError.Body(e.errorCode(), e.getMessage(), input.field(), input.rule()))
                : json(e.status(), new ErrorBody(e.errorCode(), e.getMessage()));
        return e instanceof RetryLater later ? response.header("Retry-After", Long.toString(later.seconds())) : response;
    }

    public ApiResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The body's length when known in advance, else -1. */
    public long contentLength() {
        return contentLength;
    }

    public void writeBody(OutputStream out) throws IOException {
        body.writeTo(out);
    }

    /** The spec's SaasErrorResponse. */
    public record ErrorBody(String errorCode, String errorMsg) {
    }
}
