package dev.idflow.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The OpenAPI document idflow serves at {@code /openapi.json}: the contract as shipped, with its two
 * defects corrected (undeclared path parameters; {@code flow_id} marked required on
 * {@code /resources/file}), the servers pointed at this installation, and the operations idflow adds.
 */
public final class OpenApiDocument {
    public static final String CONTRACT_RESOURCE = "/dev/idflow/core/openapi/identification-saas-2.0.0.json";
    private static final String EXTENSIONS_RESOURCE = "/dev/idflow/core/openapi/idflow-extensions.json";

    private final byte[] json;
    private final ObjectNode document;

    public OpenApiDocument(String publicBaseUrl) {
        ObjectNode doc = read(CONTRACT_RESOURCE);
        declarePathParameters(doc);
        relaxFileFilter(doc);
        describeDownloadTypes(doc);
        ObjectNode extensions = read(EXTENSIONS_RESOURCE);
        ObjectNode paths = (ObjectNode) doc.get("paths");
        extensions.get("paths").fields().forEachRemaining(e -> paths.set(e.getKey(), e.getValue()));
        ObjectNode schemas = (ObjectNode) doc.get("components").get("schemas");
        extensions.get("components").get("schemas").fields().forEachRemaining(e -> schemas.set(e.getKey(), e.getValue()));
        ObjectNode schemes = (ObjectNode) doc.get("components").get("securitySchemes");
        extensions.get("components").get("securitySchemes").fields().forEachRemaining(e -> schemes.set(e.getKey(), e.getValue()));
        describeIdempotencyKey(doc, extensions);
        ArrayNode tags = (ArrayNode) doc.withArray("tags");
        extensions.get("tags").forEach(tags::add);
        ArrayNode servers = doc.putArray("servers");
        servers.addObject().put("url", publicBaseUrl).put("description", "this idflow installation");
        ObjectNode info = (ObjectNode) doc.get("info");
        info.put("description", info.path("description").asText()
                + "\n\nServed by idflow: the contract with its path parameters declared, the file filter's "
                + "exactly-one-id rule stated, downloads typed as what they are (the file's own type from an "
                + "allow-list, else application/octet-stream), and the operations idflow adds (file storage, sandbox mockery, "
                + "and the client API the person's device uses: the hosted page's /hf/{vlink_id}/api/… and "
                + "/liveness2/client/…).");
        this.document = doc;
        try {
            this.json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of the document, for tests and tools. */
    public ObjectNode document() {
        return document.deepCopy();
    }

    ApiResponse response() {
        return ApiResponse.stream("application/json", json.length, out -> out.write(json))
                .header("Cache-Control", "public, max-age=300");
    }

    private static ObjectNode read(String resource) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return (ObjectNode) Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The contract uses {flow_id} and {session_id} in paths but never declares them; generators refuse that. */
    private static void declarePathParameters(ObjectNode doc) {
        Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> entry = paths.next();
            ObjectNode item = (ObjectNode) entry.getValue();
            for (String name : new String[] {"flow_id", "session_id"}) {
                if (entry.getKey().contains("{" + name + "}")) {
                    ObjectNode parameter = item.withArray("parameters").addObject();
                    parameter.put("name", name).put("in", "path").put("required", true)
                            .put("description", name.equals("flow_id")
                                    ? "Identifier of the flow (a ULID followed by -F)."
                                    : "Identifier of the session (a ULID followed by -S).");
                    parameter.putObject("schema").put("type", "string");
                }
            }
        }
    }

    /**
     * The contract types every download application/octet-stream; idflow answers with the file's own
     * type when it is on the allow-list (PRODUCT.md "Files": real clients branch on it), else
     * octet-stream. The served document lists exactly those types, so a generated client and a
     * validator expect what idflow really answers.
     */
    private static void describeDownloadTypes(ObjectNode doc) {
        ObjectNode ok = Json.mapper().createObjectNode();
        ok.put("description", "The file, with its own Content-Type when it is one of those listed (what idflow "
                + "produces or checked on upload), else application/octet-stream; whatever the Accept header says. "
                + "Always Content-Disposition: attachment, Content-Security-Policy: sandbox and "
                + "X-Content-Type-Options: nosniff.");
        ObjectNode content = ok.putObject("content");
        for (String type : dev.idflow.core.internal.FileTypes.SERVED) {
            if (type.equals(dev.idflow.core.internal.FileTypes.JSON)) {
                // a stored JSON file is whatever JSON document was uploaded: any value
                content.putObject(type).putObject("schema").put("description", "The stored JSON document.");
            } else {
                content.putObject(type).putObject("schema").put("type", "string").put("format", "binary");
            }
        }
        content.putObject(dev.idflow.core.internal.FileTypes.OCTET_STREAM).putObject("schema")
                .put("type", "string").put("format", "binary");
        ((ObjectNode) doc.get("paths").get("/resources/file").get("get").get("responses")).set("200", ok);
    }

    /** The Idempotency-Key header idflow adds to the two creates (PRODUCT.md "Events and data lifecycle"). */
    private static void describeIdempotencyKey(ObjectNode doc, ObjectNode extensions) {
        ObjectNode parameters = (ObjectNode) doc.get("components").get("parameters");
        extensions.get("components").get("parameters").fields()
                .forEachRemaining(e -> parameters.set(e.getKey(), e.getValue()));
        for (String path : new String[] {"/flow", "/liveness2/session"}) {
            ObjectNode post = (ObjectNode) doc.get("paths").get(path).get("post");
            post.withArray("parameters").addObject().put("$ref", "#/components/parameters/IdempotencyKey");
        }
    }

    /** The description wins over the flag: give exactly one of session_id, flow_id, person_id. */
    private static void relaxFileFilter(ObjectNode doc) {
        ObjectNode flowFilter = (ObjectNode) doc.get("components").get("parameters").get("FilterFlowIdExact");
        flowFilter.put("required", false);
        flowFilter.put("description", "Filter by flow_id. Give exactly one of session_id, flow_id or person_id.");
        for (String p : new String[] {"FilterSessionIdExact", "FilterPersonIdExact"}) {
            ObjectNode filter = (ObjectNode) doc.get("components").get("parameters").get(p);
            filter.put("description", filter.path("description").asText()
                    + " Give exactly one of session_id, flow_id or person_id.");
        }
    }
}
