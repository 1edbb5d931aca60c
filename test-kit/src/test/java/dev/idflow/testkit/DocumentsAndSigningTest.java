package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.documents.DocumentServices;
import dev.idflow.documents.esign.EsignService;
import dev.idflow.documents.esign.LocalCa;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The person reads documents (pages rendered by the server) and signs them, with idflow-documents
 * registered on the kit's idflow as a bank would.
 */
class DocumentsAndSigningTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final LocalCa LIVE_CA = LocalCa.generate("Bank signing CA", Instant.now().minusSeconds(3600), RANDOM);
    private static final LocalCa TEST_CA = LocalCa.generate("Bank TEST CA", Instant.now().minusSeconds(3600), RANDOM);

    @RegisterExtension
    static IdflowExtension idflow = IdflowExtension.builder()
            .customizeWithStorage((builder, storage) -> {
                DocumentServices.all().forEach(builder::service);
                byte[] key = new byte[32];
                RANDOM.nextBytes(key);
                builder.service(EsignService.withLocalCa(LIVE_CA, TEST_CA, storage.personCertificates(),
                        new AesGcmSecretCipher(key, RANDOM)));
            })
            .build();

    /** POST /resources/storage with the test key: the bank's upload of a document for the person; its file id. */
    private static String uploadAgreement(IdflowServer server, String person) {
        KitHttp.Reply reply = new KitHttp(server.baseUrl()).postMultipart("/resources/storage",
                new KitHttp.Multipart().field("label", "esign_original_doc").field("person_id", person)
                        .file("upload_file", "loan.pdf", SampleFiles.PDF, SampleFiles.pdf("Loan agreement No. 42")),
                "X-Verigram-Api-Key", server.testKey(), "X-Verigram-Api-Version", "2.0.0");
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("session_id").asText();
    }

    @Test
    void thePersonReadsEveryPageThenSignsAndTheFlowPasses(IdflowServer server, SimulatedPersons persons) throws Exception {
        String person = "person-signer";
        String fileId = uploadAgreement(server, person);
        BankClient.Flow flow = BankClient.test(server).createFlow(person,
                "[{\"service_name\":\"doc-preview\",\"files\":[\"input_files\"]},"
                        + "{\"service_name\":\"esign\",\"action\":\"issue\",\"skip_exists\":true},"
                        + "{\"service_name\":\"esign\",\"action\":\"sign\",\"files\":[\"input_files\"]}]",
                "\"input_data\":{\"full_name\":\"Aigerim Bekova\",\"iin\":\"" + FormValues.IIN + "\","
                        + "\"files\":{\"esign\":[{\"file_id\":\"" + fileId + "\",\"filename\":\"Loan agreement\"}]}}");
        SimulatedPerson signer = persons.open(flow.vlink());
        signer.start();

        assertThat(signer.currentStep().screenKind()).isEqualTo("documents");
        signer.readDocuments();
        assertThat(signer.currentStep().screenKind()).isEqualTo("sign");
        signer.sign();

        assertThat(signer.outcome()).isEqualTo(new SimulatedPerson.Ended("pass", "completed"));
    }

    @Test
    void completeFlowReadsAndSignsToo(IdflowServer server, SimulatedPersons persons) throws Exception {
        String person = "person-signer-2";
        String fileId = uploadAgreement(server, person);
        BankClient.Flow flow = BankClient.test(server).createFlow(person,
                "[{\"service_name\":\"doc-preview\",\"files\":[\"input_files\"]},"
                        + "{\"service_name\":\"esign\",\"action\":\"sign\",\"files\":[\"input_files\"]}]",
                "\"input_data\":{\"full_name\":\"Nurlan Sadykov\",\"iin\":\"" + FormValues.IIN + "\","
                        + "\"files\":{\"esign\":[{\"file_id\":\"" + fileId + "\",\"filename\":\"Loan agreement\"}]}}");

        assertThat(persons.open(flow.vlink()).completeFlow().flowStatus()).isEqualTo("pass");
    }
}
