package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.TestServer.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** What every test checks about an answer: its status, its body, and the contract's verdict on it. */
final class ApiAssertions {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger PEOPLE = new AtomicInteger();

    private ApiAssertions() {
    }

    /** A person_id no other test uses (valid: 6–48 characters of the spec's alphabet). */
    static String newPerson() {
        return "person-" + System.nanoTime() % 100_000 + "-" + PEOPLE.incrementAndGet();
    }

    static JsonNode json(Reply reply) {
        try {
            return JSON.readTree(reply.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + reply.body(), e);
        }
    }

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reply is a response of a contract operation that the contract accepts. */
    static void assertConformant(Reply reply) {
        assertThat(reply.report()).as("a contract operation's response is validated").isNotNull();
        assertThat(reply.report().getMessages())
                .as("contract violations of %s %s", reply.status(), reply.body())
                .isEmpty();
    }

    /** A successful answer of a contract operation: its status, conformance and a JSON body without nulls. */
    static JsonNode assertSuccess(Reply reply, int status) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
        assertConformant(reply);
        return assertJsonWithoutNulls(reply);
    }

    /**
     * An error answer of a contract operation: status, error_code, an error_msg naming {@code field}
     * (the "field: rule" form), conformance, and nothing but error_code and error_msg in the body.
     */
    static JsonNode assertError(Reply reply, int status, String errorCode, String field) {
        JsonNode body = assertErrorShape(reply, status, errorCode);
        assertConformant(reply);
        if (field != null) {
            assertThat(body.get("error_msg").asText()).as("error_msg names the field").contains(field + ":");
        }
        return body;
    }

    /**
     * A wrong answer of the person on the client API (docs/CLIENT-API.md): a 422 whose body is the spec's
     * error and also names the {@code field} (the error_msg's first words) and the {@code rule} it broke.
     */
    static boolean isWrongAnswer(JsonNode body) {
        return fieldNames(body).size() == 4 && body.path("field").isTextual() && body.path("rule").isTextual()
                && body.path("rule").asText().matches("[a-z_]+")
                && body.path("error_msg").asText().startsWith(body.path("field").asText() + ": ");
    }

    /**
     * As {@link #assertError} for operations beyond the contract (no contract report to check); a wrong
     * answer on the client API also carries its field and rule ({@link #isWrongAnswer}).
     */
    static JsonNode assertErrorShape(Reply reply, int status, String errorCode) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode body = assertJsonWithoutNulls(reply);
        if (!isWrongAnswer(body)) {
            assertThat(fieldNames(body)).containsExactlyInAnyOrder("error_code", "error_msg");
        }
        assertThat(body.get("error_code").asText()).isEqualTo(errorCode);
        assertThat(body.get("error_msg").asText()).isNotBlank();
        return body;
    }

    static JsonNode assertJsonWithoutNulls(Reply reply) {
        JsonNode body = json(reply);
        assertThat(nullPaths(body, "$")).as("JSON nulls in %s", reply.body()).isEmpty();
        return body;
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> nullPaths(JsonNode node, String at) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            out.add(at);
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                out.addAll(nullPaths(e.getValue(), at + "." + e.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                out.addAll(nullPaths(node.get(i), at + "[" + i + "]"));
            }
        }
        return out;
    }

    // ---- requests most tests need ----

    /** A POST /flow body for {@code personId} with a one-step pipeline of {@code service}. */
    static String flowBody(String personId, String service) {
        return "{\"person_id\":\"" + personId + "\",\"template\":{\"pipeline\":[{\"service_name\":\"" + service + "\"}]}}";
    }

    /** Creates a verilive flow through the API with {@code key} (a test key) and returns its flow_id. */
    static String createFlow(TestServer server, String key, String personId) throws Exception {
        Reply reply = server.postJson("/flow", TestServer.Headers.test(key), flowBody(personId, "verilive"));
        return assertSuccess(reply, 201).get("flow_id").asText();
    }

    /** Opens a liveness session (which starts the flow when flow_id is given) and returns its body. */
    static JsonNode createLivenessSession(TestServer server, String key, String personId, String flowId) throws Exception {
        String body = flowId == null ? "{\"person_id\":\"" + personId + "\"}"
                : "{\"person_id\":\"" + personId + "\",\"flow_id\":\"" + flowId + "\"}";
        return assertSuccess(server.postJson("/liveness2/session", TestServer.Headers.test(key), body), 201);
    }

    /** A small PDF as an uploader sends one: uploads are checked by their bytes, and these are a PDF's. */
    static byte[] pdf(String text) {
        return ("%PDF-1.7\n% " + text + "\n%%EOF\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A small PDF. */
    static final byte[] PDF = pdf("idflow test document");

    /** Uploads {@code content} through POST /resources/storage and returns the session_id answered. */
    static String upload(TestServer server, String key, String personId, String label, String contentType,
                         String fileName, byte[] content) throws Exception {
        Reply reply = server.postMultipart("/resources/storage", TestServer.Headers.test(key),
                new TestServer.Multipart().field("label", label).field("person_id", personId)
                        .file("upload_file", fileName, contentType, content));
        assertThat(reply.status()).as("upload answered %s", reply.body()).isEqualTo(201);
        return json(reply).get("session_id").asText();
    }
}
