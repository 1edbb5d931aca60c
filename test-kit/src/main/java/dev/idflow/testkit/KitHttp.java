package dev.idflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The kit's own HTTP client: what the simulated person's device and the mockery helper send. */
final class KitHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    KitHttp(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** An answer: status, body as text and bytes, content type. */
    record Reply(int status, String body, byte[] bytes, String contentType) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("the answer is not JSON (status " + status + "): " + body, e);
            }
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** {@code 422 INVALID_PAYLOAD answers.iin: must be 12 digits}, for a failure message. */
        String summary() {
            if (contentType != null && contentType.startsWith("application/json")) {
                JsonNode j = json();
                if (j.has("error_code")) {
                    return status + " " + j.path("error_code").asText() + " " + j.path("error_msg").asText();
                }
            }
            return status + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
        }
    }

    Reply get(String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    Reply postJson(String path, String json, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json"), headers);
    }

    Reply postMultipart(String path, Multipart body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()))
                .header("Content-Type", body.contentType()), headers);
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private Reply send(HttpRequest.Builder request, String... headers) {
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<byte[]> r;
            try {
                r = client.send(built, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException closed) {
                // keep-alive: Jetty closes a connection after answering a request whose body it left unread (a
                // refusal) and this client may have taken that connection again; once more, on a fresh one
                if (closed.getMessage() == null || !closed.getMessage().contains("received no bytes")) {
                    throw closed;
                }
                r = client.send(built, HttpResponse.BodyHandlers.ofByteArray());
            }
            return new Reply(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r.body(),
                    r.headers().firstValue("Content-Type").orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException(built.method() + " " + built.uri().getPath() + " got no answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + built.method() + " " + built.uri().getPath(), e);
        }
    }

    /** A multipart/form-data body. */
    static final class Multipart {
        private final String boundary = "idflow-testkit-" + Long.toHexString(System.nanoTime());
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final List<String> names = new ArrayList<>();

        Multipart field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n"
                    + "Content-Type: application/json\r\n\r\n" + value + "\r\n");
            names.add(name);
            return this;
        }

        Multipart file(String name, String fileName, String contentType, byte[] content) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
            out.writeBytes(content);
            write("\r\n");
            names.add(name);
            return this;
        }

        Multipart files(Map<String, byte[]> byName) {
            byName.forEach((name, bytes) -> file(name, name + SampleFiles.extensionOf(bytes), SampleFiles.typeOf(bytes), bytes));
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            copy.writeBytes(out.toByteArray());
            copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return copy.toByteArray();
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        private void write(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }
}
