package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.StepsOnTheWire.uploadReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.documents.esign.EsignService;
import dev.idflow.documents.esign.SignedPdf;
import dev.idflow.documents.esign.LocalCa;
import dev.idflow.documents.esign.LocalCaSigningProvider;
import dev.idflow.documents.esign.SignatureRequest;
import dev.idflow.documents.esign.Signer;
import dev.idflow.documents.esign.SignerCertificate;
import dev.idflow.documents.esign.SigningException;
import dev.idflow.documents.esign.SigningProvider;
import dev.idflow.servlet.HostServiceSpiTest.HookedStorage;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * esign where things happen at once, and on a document an earlier step produced: the person's two tabs
 * confirm together and the document is signed once; a file uploaded at a file-storage step is signed by
 * its label.
 */
class EsignRaceTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final LocalCa LIVE_CA = LocalCa.generate("Acme Bank signing CA", Instant.now().minusSeconds(3600), RANDOM);
    static final LocalCa TEST_CA = LocalCa.generate("Acme TEST CA", Instant.now().minusSeconds(3600), RANDOM);
    static final AtomicInteger issued = new AtomicInteger();
    static final AtomicInteger signed = new AtomicInteger();
    static TestServer server;
    static HookedStorage store;
    static PersonDevice device;

    /** The reference provider, counting what it is asked to do (the irreversible calls). */
    record Counting(SigningProvider provider) implements SigningProvider {
        @Override
        public Optional<SignerCertificate> validCertificate(Signer signer, Instant at) throws SigningException {
            return provider.validCertificate(signer, at);
        }

        @Override
        public SignerCertificate issue(Signer signer, Instant at) throws SigningException {
            issued.incrementAndGet();
            return provider.issue(signer, at);
        }

        @Override
        public byte[] sign(Signer signer, SignerCertificate certificate, SignatureRequest request) throws SigningException {
            signed.incrementAndGet();
            return provider.sign(signer, certificate, request);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        AtomicReference<HookedStorage> hooked = new AtomicReference<>();
        server = new TestServer("/idflow", s -> {
            hooked.set(new HookedStorage(s));
            return hooked.get();
        }, builder -> builder.service(EsignService.with(new Counting(new LocalCaSigningProvider(LIVE_CA, TEST_CA,
                hooked.get().personCertificates(), new AesGcmSecretCipher(key, RANDOM))))));
        store = hooked.get();
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void twoTabsConfirmingAtOnceSignTheDocumentOnce() throws Exception {
        String person = newPerson();
        String fileId = ApiAssertions.upload(server, TestServer.TEST_KEY, person, "esign_original_doc", "application/pdf",
                "loan.pdf", EsignServiceTest.pdf("Signed once"));
        Created flow = device.createFlow(person, "[" + EsignServiceTest.SIGN + "]",
                EsignServiceTest.inputData("Two Tabs", "900101300123", fileId, "Loan"));
        device.start(flow.vlinkId());
        int issuedBefore = issued.get();
        int signedBefore = signed.get();
        AtomicReference<Reply> other = new AtomicReference<>();
        // the second tab confirms while the first tab's confirmation is decided but not yet committed
        store.beforeNextCommitOf(flow.flowId(), () -> other.set(
                device.submitReply(flow.vlinkId(), "step-1", "{\"confirmed\":true}")));

        Reply first = device.submitReply(flow.vlinkId(), "step-1", "{\"confirmed\":true}");

        assertThat(store.fired()).isTrue();
        assertThat(other.get().status()).as("the second tab's answer won").isEqualTo(200);
        assertThat(first.status()).as("the first tab's decision lost; decided again, the step no longer takes a submit")
                .isIn(409, 422);
        assertThat(signed.get() - signedBefore).as("one document, signed once").isEqualTo(1);
        assertThat(issued.get() - issuedBefore).as("one certificate").isEqualTo(1);
        assertThat(device.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        byte[] pdf = device.file("label=signed_doc&flow_id=" + flow.flowId(), "application/pdf").bytes();
        SignedPdf.read(pdf).assertCoversWholeFile(pdf);
    }

    @Test
    void aFileAnEarlierStepStoredIsSignedByItsLabel() throws Exception {
        byte[] contract = EsignServiceTest.pdf("Uploaded by the person");
        // consent between the two: the upload's files are committed before the sign step opens (a sign step
        // right after a step that finishes at once relies on StepContext.flowFile seeing that step's files too)
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"contract\","
                + "\"types\":[\"application/pdf\"]}]},{\"service_name\":\"consent\"},"
                + "{\"service_name\":\"esign\",\"action\":\"sign\",\"files\":[\"contract\"]}]",
                "\"input_data\":{\"full_name\":\"Label Signer\"}");
        device.start(flow.vlinkId());
        assertThat(uploadReply(server, flow.vlinkId(), "step-1",
                new TestServer.Multipart().file("contract", "contract.pdf", "application/pdf", contract)).status()).isEqualTo(200);

        JsonNode state = device.consent(flow.vlinkId());
        assertThat(state.at("/current_step/screen/kind").asText())
                .as("%s / %s", state, StepsOnTheWire.last(server, flow.flowId()).result()).isEqualTo("sign");
        assertThat(state.at("/current_step/screen/documents/0/title").asText()).isNotBlank();
        device.submit(flow.vlinkId(), "step-3", "{\"confirmed\":true}");

        byte[] pdf = device.file("label=signed_doc&flow_id=" + flow.flowId(), "application/pdf").bytes();
        assertThat(java.util.Arrays.copyOf(pdf, contract.length)).isEqualTo(contract);
        SignedPdf s = SignedPdf.read(pdf);
        s.assertCoversWholeFile(pdf);
        s.assertChainsTo(TEST_CA.certificate(), Date.from(server.clock.instant()));
        assertThat(s.commonName()).isEqualTo("Label Signer");
        assertThat(s.serialNumberAttribute()).as("no IIN known").isNull();
    }
}
