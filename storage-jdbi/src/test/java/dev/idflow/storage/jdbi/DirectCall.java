package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiRequest;
import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.api.UploadPart;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request straight to a node's dispatcher, as its servlet would hand it over: the tests of several
 * {@link Idflow} nodes on one database need no HTTP server to show what the database shares.
 */
final class DirectCall {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DirectCall() {
    }

    /** With an API key (and version 2) when {@code key} is given, else with no header at all. */
    static ApiResponse call(Idflow node, String method, String path, String key, String body) {
        return callWith(node, method, path, key == null ? Map.of()
                : Map.of("x-verigram-api-key", key, "x-verigram-api-version", "2"), body);
    }

    /** With {@code headers}, their names in lower case. */
    static ApiResponse callWith(Idflow node, String method, String path, Map<String, String> headers, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        return node.api().handle(new ApiRequest() {
            @Override
            public String method() {
                return method;
            }

            @Override
            public String rawPath() {
                return path;
            }

            @Override
            public String rawQuery() {
                return null;
            }

            @Override
            public String header(String name) {
                return headers.get(name.toLowerCase(Locale.ROOT));
            }

            @Override
            public InputStream body() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public List<UploadPart> parts() {
                return List.of();
            }
        });
    }

    static String text(ApiResponse response) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        response.writeBody(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The answer's JSON, once its status is {@code status} (else the failure shows the body). */
    static JsonNode json(ApiResponse response, int status) throws Exception {
        String text = text(response);
        assertThat(response.status()).as(text).isEqualTo(status);
        return JSON.readTree(text);
    }
}
