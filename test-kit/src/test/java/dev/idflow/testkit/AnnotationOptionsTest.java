package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** {@code @IdflowTest}'s own options: another consumer and mount path. */
@IdflowTest(consumerId = "sme-lending", mountPath = "/api/kyc")
class AnnotationOptionsTest {

    @Test
    void theAnnotationsConsumerAndMountPathApply(IdflowServer server) throws Exception {
        assertThat(server.consumerId()).isEqualTo("sme-lending");
        assertThat(server.baseUrl()).endsWith("/api/kyc");
        assertThat(BankClient.test(server).createFlow("person-sme", "[{\"service_name\":\"consent\"}]").vlink())
                .startsWith(server.baseUrl() + "/hf/");
    }

    @Test
    void aMountPathThatIsNoPathIsRefusedNamingTheRule() {
        BiConsumer<dev.idflow.core.Idflow.Builder, dev.idflow.core.spi.IdflowStorage> none = (b, s) -> { };
        assertThatThrownBy(() -> new IdflowServer("bank", "kyc/", none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("mountPath: must be a path such as /kyc");
    }

    @Test
    void aCustomizerThatFailsIsReportedAsItsOwnFailureAndTheNextServerStarts() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> url = new java.util.concurrent.atomic.AtomicReference<>();
        assertThatThrownBy(() -> new IdflowServer("bank", "/kyc", (b, s) -> {
            throw new IllegalStateException("the bank's service could not be made");
        })).hasMessage("the bank's service could not be made");
        try (IdflowServer next = new IdflowServer("bank", "/kyc", (b, s) -> { })) {
            url.set(next.baseUrl());
        }
        assertThat(url.get()).startsWith("http://127.0.0.1:");
    }
}
