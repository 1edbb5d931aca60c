package dev.idflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Writes the served OpenAPI document to target/openapi/, where the build's OpenAPI Generator run
 * (core/pom.xml, phase integration-test, validateSpec) generates a client from it: the document a
 * bank feeds to its generator must pass the generator's own validation.
 */
class ServedDocumentFileTest {

    @Test
    void theServedDocumentIsWrittenForTheGeneratorAndDescribesEveryOperation() throws Exception {
        var doc = new OpenApiDocument("http://localhost:8080").document();
        Path out = Path.of("target", "openapi", "idflow-openapi.json");
        Files.createDirectories(out.getParent());
        Json.mapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), doc);

        assertThat(doc.get("paths").fieldNames()).toIterable().contains(
                "/flow", "/flow/{flow_id}", "/flow/{flow_id}/result", "/journal/session/{session_id}",
                "/liveness2/session", "/resources/file", "/resources/storage", "/mockery/result",
                "/hf/{vlink_id}/api/state", "/hf/{vlink_id}/api/start", "/hf/{vlink_id}/api/steps/{step_id}/submit",
                "/liveness2/client/session", "/liveness2/client/attempts");
        assertThat(doc.at("/components/securitySchemes/LivenessAccessToken/scheme").asText()).isEqualTo("bearer");
    }
}
