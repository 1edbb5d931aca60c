package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.json;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.upload;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.StepsOnTheWire.refusedAtCreate;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.documents.esign.EsignService;
import dev.idflow.documents.esign.SignedPdf;
import dev.idflow.documents.esign.LocalCa;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code esign} on a real Jetty, the person walking the flow through the client API: issue (with
 * skip_exists), then sign the flow's input files after the sign screen; {@code signed_doc} downloads as
 * application/pdf and its PAdES signature verifies (Bouncy Castle, and Debian's pdfsig), chaining to
 * the TEST CA for a test flow and to the host's CA for a live one.
 */
class EsignServiceTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final LocalCa LIVE_CA = LocalCa.generate("Acme Bank signing CA", java.time.Instant.now().minusSeconds(3600), RANDOM);
    static final LocalCa TEST_CA = LocalCa.generate("Acme TEST CA", java.time.Instant.now().minusSeconds(3600), RANDOM);
    static TestServer server;
    static PersonDevice device;
    static PersonDevice live;
    static AesGcmSecretCipher cipher;

    @BeforeAll
    static void start() throws Exception {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        cipher = new AesGcmSecretCipher(key, RANDOM);
        AtomicReference<IdflowStorage> storage = new AtomicReference<>();
        server = new TestServer("/idflow", s -> {
            storage.set(s);
            return recordingSaves(s);
        }, builder -> builder.service(EsignService.withLocalCa(LIVE_CA, TEST_CA, storage.get().personCertificates(), cipher)));
        device = PersonDevice.testKey(server);
        live = PersonDevice.liveKey(server);
    }

    /** Every file idflow saved, as it saved it. */
    static final List<dev.idflow.core.model.StoredFile> SAVED = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The store, recording each FileStore.save. */
    private static IdflowStorage recordingSaves(IdflowStorage storage) {
        dev.idflow.core.spi.FileStore files = storage.files();
        dev.idflow.core.spi.FileStore recording = (dev.idflow.core.spi.FileStore) java.lang.reflect.Proxy.newProxyInstance(
                dev.idflow.core.spi.FileStore.class.getClassLoader(), new Class<?>[] {dev.idflow.core.spi.FileStore.class},
                (proxy, method, args) -> {
                    try {
                        Object out = method.invoke(files, args);
                        if (method.getName().equals("save")) {
                            SAVED.add((dev.idflow.core.model.StoredFile) args[0]);
                        }
                        return out;
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return (IdflowStorage) java.lang.reflect.Proxy.newProxyInstance(IdflowStorage.class.getClassLoader(),
                new Class<?>[] {IdflowStorage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("files")) {
                        return recording;
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static byte[] pdf(String text) throws Exception {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.beginText();
                content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 14);
                content.newLineAtOffset(72, 700);
                content.showText(text);
                content.endText();
            }
            document.save(out);
            return out.toByteArray();
        }
    }

    static final String ISSUE = "{\"service_name\":\"esign\",\"action\":\"issue\",\"skip_exists\":true}";
    static final String SIGN = "{\"service_name\":\"esign\",\"action\":\"sign\",\"files\":[\"input_files\"],"
            + "\"forgot_password_option\":true}";

    // the label of an input file: one of the download enum (any label is accepted once the compatibility
    // work for "unspecified" lands, issue #11 part 1)

    /** input_data with the person's name and IIN, and the uploaded files under files.esign. */
    static String inputData(String name, String iin, String... fileIdsAndNames) {
        StringBuilder files = new StringBuilder();
        for (int i = 0; i < fileIdsAndNames.length; i += 2) {
            files.append(i == 0 ? "" : ",").append("{\"file_id\":\"").append(fileIdsAndNames[i])
                    .append("\",\"filename\":\"").append(fileIdsAndNames[i + 1]).append("\"}");
        }
        return "\"input_data\":{\"full_name\":\"" + name + "\",\"iin\":\"" + iin + "\",\"files\":{\"esign\":[" + files + "]}}";
    }

    /** Starts the flow and answers the sign screen with {@code confirmed}; the state after. */
    static JsonNode signOnThePage(PersonDevice who, Created flow, String stepId) throws Exception {
        JsonNode state = who.start(flow.vlinkId());
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo(stepId);
        assertThat(state.at("/current_step/screen/kind").asText()).isEqualTo("sign");
        return who.submit(flow.vlinkId(), stepId, "{\"confirmed\":true}");
    }

    static Reply download(PersonDevice who, String label, Created flow) throws Exception {
        return who.file("label=" + label + "&flow_id=" + flow.flowId(), "application/pdf, application/json, text/plain");
    }

    @Test
    void aSandboxFlowIssuesThenSignsTheInputFileAndSignedDocIsAPdfWhoseSignatureVerifies(@TempDir Path dir)
            throws Exception {
        String person = newPerson();
        byte[] agreement = pdf("Loan agreement No. 42, 1 000 000 KZT");
        String fileId = upload(server, TestServer.TEST_KEY, person, "esign_original_doc", "application/pdf", "loan.pdf", agreement);
        Created flow = device.createFlow(person, "[" + ISSUE + "," + SIGN + "]",
                inputData("Иванов Иван Иванович", "900101300123", fileId, "Loan agreement"));

        JsonNode state = device.start(flow.vlinkId());
        assertThat(state.at("/current_step/step_id").asText()).as("issue passed at once").isEqualTo("step-2");
        JsonNode screen = state.at("/current_step/screen");
        assertThat(screen.get("kind").asText()).isEqualTo("sign");
        assertThat(screen.at("/documents/0/title").asText()).isEqualTo("Loan agreement");
        assertThat(screen.get("documents")).hasSize(1);
        assertThat(screen.get("signer").asText()).isEqualTo("Иванов Иван Иванович");
        assertThat(device.file("label=signed_doc&flow_id=" + flow.flowId()).status()).as("nothing signed yet").isEqualTo(404);

        JsonNode after = device.submit(flow.vlinkId(), "step-2", "{\"confirmed\":true}");
        assertThat(after.get("flow_status").asText()).isEqualTo("pass");
        assertThat(after.get("end_cause").asText()).isEqualTo("completed");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");

        Reply signed = download(device, "signed_doc", flow);
        assertThat(signed.status()).isEqualTo(200);
        assertThat(signed.header("Content-Type").orElse("")).startsWith("application/pdf");
        byte[] pdf = signed.bytes();
        assertThat(java.util.Arrays.copyOf(pdf, agreement.length)).as("the agreement, then the signature").isEqualTo(agreement);
        SignedPdf s = SignedPdf.read(pdf);
        s.assertCoversWholeFile(pdf);
        s.assertBaselineBAttributes();
        s.assertChainsTo(TEST_CA.certificate(), Date.from(server.clock.instant()));
        assertThat(s.signature.getSubFilter()).isEqualTo("ETSI.CAdES.detached");
        assertThat(s.commonName()).isEqualTo("Иванов Иван Иванович");
        assertThat(s.serialNumberAttribute()).isEqualTo("IIN900101300123");

        // the certificate the issue step gave is the one that signed
        String pem = new String(download(device, "certificate", flow).bytes(), StandardCharsets.US_ASCII);
        X509Certificate issued = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        assertThat(issued).isEqualTo(s.signerCertificate);
        JsonNode status = json(download(device, "cert_status", flow));
        assertThat(status.get("status").asText()).isEqualTo("valid");
        assertThat(status.get("test").asBoolean()).isTrue();
        assertThat(status.get("issuer").asText()).isEqualTo("CN=Acme TEST CA,O=idflow");
        assertThat(download(device, "signed_docs", flow).bytes()).isEqualTo(pdf);

        pdfsigSaysValid(dir, pdf, "Иванов Иван Иванович");
    }

    /** Debian's pdfsig on the downloaded file: required under CI=true, skipped elsewhere without it. */
    static void pdfsigSaysValid(Path dir, byte[] pdf, String commonName) throws Exception {
        Path pdfsig = Path.of("/usr/bin/pdfsig");
        if (!Files.isExecutable(pdfsig)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(pdfsig + " is missing: install poppler-utils (.ci/run does)");
            }
            Assumptions.abort(pdfsig + " is missing (poppler-utils)");
        }
        Path file = dir.resolve("signed_doc.pdf");
        Files.write(file, pdf);
        Process p = new ProcessBuilder(pdfsig.toString(), "-no-ocsp", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("Signer Certificate Common Name: " + commonName)
                .contains("Signature Validation: Signature is Valid.")
                .contains("Total document signed");
    }

    @Test
    void skipExistsReusesAValidCertificateAndAnExpiredOneIsReplaced() throws Exception {
        String person = newPerson();
        String issueOnly = "[" + ISSUE + "]";
        String data = "\"input_data\":{\"full_name\":\"Aigerim Sadykova\",\"iin\":\"950202400456\"}";

        Created first = device.createFlow(person, issueOnly, data);
        JsonNode firstState = device.start(first.vlinkId());
        assertThat(firstState.get("flow_status").asText()).isEqualTo("pass");
        JsonNode firstStatus = json(download(device, "cert_status", first));
        assertThat(firstStatus.get("reused").asBoolean()).isFalse();

        Created second = device.createFlow(person, issueOnly, data);
        device.start(second.vlinkId());
        JsonNode secondStatus = json(download(device, "cert_status", second));
        assertThat(secondStatus.get("reused").asBoolean()).isTrue();
        assertThat(secondStatus.get("serial_number").asText()).isEqualTo(firstStatus.get("serial_number").asText());
        assertThat(StepsOnTheWire.last(server, second.flowId()).result().get("reused").asBoolean()).isTrue();

        Created fresh = device.createFlow(person, "[{\"service_name\":\"esign\",\"action\":\"issue\"}]", data);
        device.start(fresh.vlinkId());
        assertThat(json(download(device, "cert_status", fresh)).get("serial_number").asText())
                .as("without skip_exists a new certificate").isNotEqualTo(firstStatus.get("serial_number").asText());

        server.clock.advance(Duration.ofDays(366));
        Created later = device.createFlow(person, issueOnly, data);
        device.start(later.vlinkId());
        JsonNode laterStatus = json(download(device, "cert_status", later));
        assertThat(laterStatus.get("reused").asBoolean()).as("the old ones expired").isFalse();
        assertThat(laterStatus.get("serial_number").asText()).isNotIn(firstStatus.get("serial_number").asText());
        assertThat(java.time.Instant.parse(laterStatus.get("not_after").asText()))
                .isAfter(server.clock.instant().plus(Duration.ofDays(364)));

        List<PersonCertificate> stored = server.storage.personCertificates().findByPerson("acme", person, true);
        assertThat(stored).hasSize(3);
        assertThat(server.storage.personCertificates().findByPerson("acme", person, false)).as("none live").isEmpty();
        for (PersonCertificate c : stored) {
            // an EC private key in clear (PKCS#8) would carry the id-ecPublicKey OID; the sealed bytes do not
            assertThat(indexOf(c.sealedKey(), new byte[] {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01}))
                    .isEqualTo(-1);
            assertThat(indexOf(cipher.decrypt(c.sealedKey()),
                    new byte[] {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01})).isPositive();
            assertThat(c.subject()).isEqualTo("CN=Aigerim Sadykova,SERIALNUMBER=IIN950202400456");
        }
    }

    @Test
    void aLiveFlowSignsWithTheHostsCaAndATestFlowWithTheTestCa() throws Exception {
        String person = newPerson();
        byte[] agreement = pdf("Live agreement");
        String liveFile = uploadLive(person, agreement);
        Created flow = live.createFlow(person, "[" + SIGN + "]", inputData("Serik Bekov", "880303300789", liveFile, "Agreement"));

        signOnThePage(live, flow, "step-1");

        Reply signed = download(live, "signed_doc", flow);
        assertThat(signed.header("Content-Type").orElse("")).startsWith("application/pdf");
        SignedPdf s = SignedPdf.read(signed.bytes());
        s.assertCoversWholeFile(signed.bytes());
        s.assertChainsTo(LIVE_CA.certificate(), Date.from(server.clock.instant()));
        assertThat(s.signerCertificate.getIssuerX500Principal().getName()).doesNotContain("TEST");
        assertThat(s.subject(BCStyle.CN)).isEqualTo("Serik Bekov");
        JsonNode result = StepsOnTheWire.last(server, flow.flowId()).result();
        assertThat(result.get("certificate_issued").asBoolean()).as("sign without a certificate issues one").isTrue();
        assertThat(server.storage.personCertificates().findByPerson("acme", person, false)).hasSize(1);
        assertThat(server.storage.personCertificates().findByPerson("acme", person, true)).isEmpty();
        // the test key cannot see the live flow's files
        assertThat(device.file("label=signed_doc&flow_id=" + flow.flowId()).status()).isEqualTo(404);
    }

    private static String uploadLive(String person, byte[] content) throws Exception {
        Reply reply = server.postMultipart("/resources/storage", server.live("/resources/storage"),
                new TestServer.Multipart().field("label", "esign_original_doc").field("person_id", person)
                        .file("upload_file", "agreement.pdf", "application/pdf", content));
        assertThat(reply.status()).as("upload answered %s", reply.body()).isEqualTo(201);
        return json(reply).get("session_id").asText();
    }

    @Test
    void aFileThatIsNotAPdfGetsADetachedCadesAndEveryDocumentIsSigned() throws Exception {
        String person = newPerson();
        byte[] terms = "{\"rate\":\"19.9%\",\"term_months\":36}".getBytes(StandardCharsets.UTF_8);
        byte[] agreement = pdf("Second document");
        String json = upload(server, TestServer.TEST_KEY, person, "esign_original_doc", "application/json", "terms.json", terms);
        String pdf = upload(server, TestServer.TEST_KEY, person, "esign_original_doc", "application/pdf", "loan.pdf", agreement);
        Created flow = device.createFlow(person, "[" + SIGN + "]",
                inputData("Dana Nurlanovna", "010101600111", json, "Terms", pdf, "Agreement"));

        JsonNode state = device.start(flow.vlinkId());
        assertThat(state.at("/current_step/screen/documents")).extracting(d -> d.get("title").asText())
                .containsExactly("Terms", "Agreement");
        device.submit(flow.vlinkId(), "step-1", "{\"confirmed\":true}");

        byte[] cades = device.file("label=signed_doc&flow_id=" + flow.flowId(), "*/*").bytes();
        SignedPdf c = SignedPdf.detached(cades, terms);
        c.assertBaselineBAttributes();
        c.assertChainsTo(TEST_CA.certificate(), Date.from(server.clock.instant()));
        assertThat(c.cms.isDetachedSignature()).isTrue();
        assertThat(SignedPdf.parseDetached(cades, agreement).verifies()).as("over the terms only").isFalse();

        List<dev.idflow.core.model.StoredFile> signedDocs = SAVED.stream()
                .filter(f -> flow.flowId().equals(f.flowId()) && "signed_docs".equals(f.label())).toList();
        assertThat(signedDocs).hasSize(2);
        assertThat(signedDocs).extracting(dev.idflow.core.model.StoredFile::contentType)
                .containsExactlyInAnyOrder("application/pkcs7-signature", "application/pdf");
        JsonNode documents = StepsOnTheWire.last(server, flow.flowId()).result().get("documents");
        assertThat(documents).extracting(d -> d.get("format").asText()).containsExactly("cades-b-b-detached", "pades-b-b");
    }

    @Test
    void refusingToSignFailsTheStepAndSignsNothing() throws Exception {
        String person = newPerson();
        String fileId = upload(server, TestServer.TEST_KEY, person, "esign_original_doc", "application/pdf", "a.pdf", pdf("No"));
        Created flow = device.createFlow(person, "[" + SIGN.replace("{", "{\"max_retries\":1,") + "]",
                inputData("Refusing Person", "", fileId, "A"));
        device.start(flow.vlinkId());

        JsonNode wrong = clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"confirmed\":\"yes\"}"), 422,
                "INVALID_PAYLOAD");
        assertThat(wrong.get("field").asText()).isEqualTo("confirmed");
        assertThat(device.state(flow.vlinkId()).at("/current_step/screen/kind").asText()).as("still open").isEqualTo("sign");

        // like a refused consent: the step is offered once more (a slip of the finger), then the flow fails
        JsonNode retried = device.submit(flow.vlinkId(), "step-1", "{\"confirmed\":false}");
        assertThat(retried.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(retried.at("/current_step/screen/kind").asText()).isEqualTo("sign");
        JsonNode after = device.submit(flow.vlinkId(), "step-1", "{\"confirmed\":false}");
        assertThat(after.get("flow_status").asText()).isEqualTo("fail");
        assertThat(StepsOnTheWire.last(server, flow.flowId()).result().get("error_codes").get(0).asText())
                .isEqualTo("signing_refused");
        assertThat(device.file("label=signed_doc&flow_id=" + flow.flowId()).status()).isEqualTo(404);
        assertThat(server.storage.personCertificates().findByPerson("acme", person, true)).as("nothing issued").isEmpty();
    }

    @Test
    void wrongOptionsAreRefusedAtCreateNamingTheStep() throws Exception {
        JsonNode noAction = refusedAtCreate(server, "{\"service_name\":\"esign\"}", "template.pipeline[0].action");
        assertThat(noAction.get("error_msg").asText()).contains("action: is required (issue or sign)");
        JsonNode noFiles = refusedAtCreate(server, "{\"service_name\":\"esign\",\"action\":\"sign\"}",
                "template.pipeline[0].files");
        assertThat(noFiles.get("error_msg").asText()).contains("files: is required");
        JsonNode badSkip = refusedAtCreate(server, "{\"service_name\":\"esign\",\"action\":\"issue\",\"skip_exists\":\"y\"}",
                "template.pipeline[0].skip_exists");
        assertThat(badSkip.get("error_msg").asText()).contains("must be true or false");
    }

    @Test
    void aSignStepNamingNoInputFileFailsWithoutRetry() throws Exception {
        Created flow = device.createFlow(newPerson(), "[" + SIGN + "]", "\"input_data\":{\"full_name\":\"No Files\"}");
        JsonNode state = device.start(flow.vlinkId());
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(StepsOnTheWire.last(server, flow.flowId()).result().get("error_codes").get(0).asText())
                .isEqualTo("missing_document");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
