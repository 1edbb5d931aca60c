package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.json;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.documents.DocumentServices;
import dev.idflow.documents.esign.EsignService;
import dev.idflow.documents.esign.LocalCa;
import dev.idflow.documents.esign.SignedPdf;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one public integration of the SaaS, a lending application, exactly as it calls (issue #11): it
 * uploads the loan agreement ({@code label=unspecified}), scripts KISC in the sandbox
 * ({@code kisc_face_image: ""}), creates the flow {@code consent → verilive (native: false) → kisc →
 * client-card → doc-preview (files: input_files, client-card) → esign issue (skip_exists) → esign sign
 * (files: input_files, client-card; forgot_password_option)}, and on the callback reads the result
 * (expects {@code pass} + {@code completed}) and downloads {@code signed_doc}, keeping it as bytes only
 * when it is typed {@code application/pdf}. The person's part goes through the client API, as the
 * hosted page does it; liveness is scripted {@code real} (mockery).
 */
class LoanSigningJourneyTest {
    private static final String NAME = "Сейітқали Нұрлан Әбдіғалиұлы";
    private static final String IIN = "900101300123";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final LocalCa LIVE_CA = LocalCa.generate("Lender signing CA", Instant.now().minusSeconds(3600), RANDOM);
    private static final LocalCa TEST_CA = LocalCa.generate("Lender TEST CA", Instant.now().minusSeconds(3600), RANDOM);
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        AesGcmSecretCipher cipher = new AesGcmSecretCipher(key, RANDOM);
        AtomicReference<IdflowStorage> storage = new AtomicReference<>();
        server = new TestServer("/kyc", s -> {
            storage.set(s);
            return s;
        }, builder -> {
            DocumentServices.all().forEach(builder::service);
            builder.service(EsignService.withLocalCa(LIVE_CA, TEST_CA, storage.get().personCertificates(), cipher));
        });
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers lender() {
        return Headers.test(TestServer.TEST_KEY);
    }

    @Test
    void theLendersJourneyEndsPassCompletedWithASignedDocServedAsAPdfWhoseSignatureVerifies(@TempDir Path dir)
            throws Exception {
        String person = newPerson();
        byte[] agreement = DocumentJourneyTest.agreement(2);

        // 1. its upload: label=unspecified
        Reply stored = server.postMultipart("/resources/storage", lender(), new Multipart().field("label", "unspecified")
                .field("person_id", person).file("upload_file", "loan-agreement.pdf", "application/pdf", agreement));
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        String fileId = json(stored).get("session_id").asText();

        // 2. its KISC script, with an empty face image, and liveness scripted real
        String pii = Base64.getEncoder().encodeToString(("{\"iin\":\"" + IIN + "\",\"full_name\":\"" + NAME + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        Reply kisc = server.postJson("/mockery/result", lender(), "{\"person_id\":\"" + person + "\",\"result\":{"
                + "\"service_name\":\"kisc\",\"service_status\":\"success\",\"iin\":\"" + IIN + "\",\"full_name\":\"" + NAME
                + "\"},\"files\":{\"kisc_pii\":\"" + pii + "\",\"kisc_face_image\":\"\"}}");
        assertThat(kisc.status()).as(kisc.body()).isEqualTo(200);
        PersonDevice bank = PersonDevice.testKey(server);
        bank.script(person, "verilive", "real");

        // 3. its 7-step pipeline
        PersonDevice.Created flow = bank.createFlow(person, "["
                        + "{\"service_name\":\"consent\"},"
                        + "{\"service_name\":\"verilive\",\"native\":false},"
                        + "{\"service_name\":\"kisc\"},"
                        + "{\"service_name\":\"client-card\"},"
                        + "{\"service_name\":\"doc-preview\",\"files\":[\"input_files\",\"client-card\"]},"
                        + "{\"service_name\":\"esign\",\"action\":\"issue\",\"skip_exists\":true},"
                        + "{\"service_name\":\"esign\",\"action\":\"sign\",\"files\":[\"input_files\",\"client-card\"],"
                        + "\"forgot_password_option\":true}]",
                "\"locale\":\"ru\",\"callback_url\":\"https://lender.example/callback\",\"input_data\":{"
                        + "\"phone_number\":\"+77011234567\",\"files\":{\"doc_preview\":[{\"file_id\":\"" + fileId
                        + "\",\"filename\":\"Договор займа.pdf\"}]}}");

        // 4. the person, through the client API
        String v = flow.vlinkId();
        bank.start(v);
        JsonNode state = bank.consent(v);
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("verilive");
        JsonNode answer = bank.doLiveness(v);
        assertThat(answer.get("success").asBoolean()).as(answer.toString()).isTrue();

        // kisc (scripted) and client-card finish at once: the person reads the agreement and the card
        state = bank.state(v);
        JsonNode step = state.get("current_step");
        assertThat(step.get("service_name").asText()).as(state.toString()).isEqualTo("doc-preview");
        assertThat(step.at("/screen/kind").asText()).isEqualTo("documents");
        assertThat(step.at("/screen/documents")).hasSize(2);
        assertThat(step.at("/screen/documents/0/title").asText()).isEqualTo("Договор займа.pdf");
        assertThat(step.at("/screen/documents/0/pages").asInt()).isEqualTo(2);
        String previewStep = step.get("step_id").asText();
        Reply page = server.get("/hf/" + v + "/api/steps/" + previewStep + "/documents/2/pages/1", new Headers());
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).hasValue("image/png");
        state = bank.submit(v, previewStep, "{\"acknowledged\":true}");

        // esign issue (a new person: a certificate now), then the sign screen for the same two documents
        step = state.get("current_step");
        assertThat(step.get("service_name").asText()).as(state.toString()).isEqualTo("esign");
        assertThat(step.at("/screen/kind").asText()).isEqualTo("sign");
        assertThat(step.at("/screen/documents")).hasSize(2);
        assertThat(step.at("/screen/documents/0/title").asText()).isEqualTo("Договор займа.pdf");
        assertThat(step.at("/screen/documents/1/title/ru").asText()).as("idflow's own file, titled in words")
                .isEqualTo("Карточка клиента");
        assertThat(step.at("/screen/signer").asText()).isEqualTo(NAME);
        JsonNode done = bank.submit(v, step.get("step_id").asText(), "{\"confirmed\":true}");
        assertThat(done.get("flow_status").asText()).as(done.toString()).isEqualTo("pass");
        assertThat(done.get("end_cause").asText()).isEqualTo("completed");
        assertThat(done.get("callback_url").asText()).isEqualTo("https://lender.example/callback");

        // 5. on the callback: the result, then the signed document
        JsonNode result = bank.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
        assertThat(result.get("sessions_count").asInt()).as("one session a step").isEqualTo(7);
        assertThat(result.get("services_count").asInt()).as("esign twice").isEqualTo(6);
        assertThat(result.get("person_name").asText()).isEqualTo(NAME);
        assertThat(result.get("iin").asText()).isEqualTo(IIN);

        // as the client asks for it: no Accept of its own
        Reply signed = server.get("/resources/file?label=signed_doc&flow_id=" + flow.flowId(), lender());
        assertThat(signed.status()).as(signed.body()).isEqualTo(200);
        assertThat(signed.header("Content-Type").orElse("")).startsWith("application/pdf");
        byte[] pdf = signed.bytes();
        assertThat(java.util.Arrays.copyOf(pdf, agreement.length)).as("the agreement, then its signature").isEqualTo(agreement);
        SignedPdf signature = SignedPdf.read(pdf);
        signature.assertCoversWholeFile(pdf);
        signature.assertBaselineBAttributes();
        signature.assertChainsTo(TEST_CA.certificate(), Date.from(server.clock.instant()));
        assertThat(signature.commonName()).isEqualTo(NAME);
        assertThat(signature.serialNumberAttribute()).isEqualTo("IIN" + IIN);
        EsignServiceTest.pdfsigSaysValid(dir, pdf, NAME);

        // signed_docs: one signed file per document, in the order named; a download gets the newest, the card's
        Reply card = server.get("/resources/file?label=client_card&flow_id=" + flow.flowId(), lender());
        assertThat(card.header("Content-Type").orElse("")).startsWith("application/pdf");
        try (PDDocument doc = Loader.loadPDF(card.bytes())) {
            assertThat(new PDFTextStripper().getText(doc)).contains(NAME, IIN, flow.flowId());
        }
        Reply signedCard = server.get("/resources/file?label=signed_docs&flow_id=" + flow.flowId(), lender());
        assertThat(signedCard.header("Content-Type").orElse("")).startsWith("application/pdf");
        byte[] signedOne = signedCard.bytes();
        assertThat(startsWith(signedOne, card.bytes())).as("the newest of signed_docs is the signed card").isTrue();
        SignedPdf cardSignature = SignedPdf.read(signedOne);
        cardSignature.assertCoversWholeFile(signedOne);
        assertThat(cardSignature.signerCertificate).isEqualTo(signature.signerCertificate);
        Reply piiFile = server.get("/resources/file?label=kisc_pii&flow_id=" + flow.flowId(), lender());
        assertThat(piiFile.header("Content-Type").orElse("")).startsWith("application/json");
        Reply bestframe = server.get("/resources/file?label=bestframe&flow_id=" + flow.flowId(), lender());
        assertThat(bestframe.header("Content-Type").orElse("")).startsWith("image/jpeg");
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length > prefix.length && java.util.Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
