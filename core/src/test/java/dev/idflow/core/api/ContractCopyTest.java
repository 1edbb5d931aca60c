package dev.idflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The contract shipped in the jar is the one in shared/, byte for byte. */
class ContractCopyTest {

    @Test
    void theShippedContractIsTheSharedOne() throws Exception {
        Path shared = Path.of("..", "..", "shared", "openapi", "identification-saas-2.0.0.json");
        Assumptions.assumeTrue(Files.exists(shared), "shared/ is not beside this checkout");
        byte[] shipped;
        try (var in = OpenApiDocument.class.getResourceAsStream(OpenApiDocument.CONTRACT_RESOURCE)) {
            shipped = in.readAllBytes();
        }
        assertThat(shipped).isEqualTo(Files.readAllBytes(shared));
    }

    @Test
    void theServedDocumentDeclaresThePathParametersAndRelaxesTheFileFilter() {
        var doc = new OpenApiDocument("https://bank.example/kyc").document();
        assertThat(doc.at("/paths/~1flow~1{flow_id}/parameters/0/name").asText()).isEqualTo("flow_id");
        assertThat(doc.at("/paths/~1flow~1{flow_id}~1result/parameters/0/in").asText()).isEqualTo("path");
        assertThat(doc.at("/paths/~1journal~1session~1{session_id}/parameters/0/name").asText()).isEqualTo("session_id");
        assertThat(doc.at("/components/parameters/FilterFlowIdExact/required").asBoolean()).isFalse();
        assertThat(doc.at("/servers/0/url").asText()).isEqualTo("https://bank.example/kyc");
        assertThat(doc.at("/paths/~1resources~1storage/post/operationId").asText()).isEqualTo("storeFile");
        assertThat(doc.at("/paths/~1mockery~1result/post/operationId").asText()).isEqualTo("scriptMockeryResult");
    }
}
