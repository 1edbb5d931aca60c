package dev.idflow.documents.esign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonCertificateRepository;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import dev.idflow.documents.StepDocuments;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code esign}: the person's electronic signature, behind a {@link SigningProvider}.
 *
 * <ul>
 *   <li>{@code action: issue} — a key pair and certificate for the person (CN = input_data
 *       {@code full_name}, else the person_id; serialNumber = IIN + input_data {@code iin} when known). With
 *       {@code skip_exists: true} a certificate still valid is reused and the step passes at once; else the
 *       step waits (screen {@code wait}) while the provider issues, after the commit. Files
 *       {@code certificate} (PEM, the chain after it; text/plain) and {@code cert_status} (JSON).</li>
 *   <li>{@code action: sign} — the documents of the {@code files} option ({@link StepDocuments}: input files
 *       under input_data.files.esign, or every list; labels of earlier steps' files) on a {@code sign} screen
 *       (their titles, the signer's name); the person answers {@code {"confirmed": true}} (false fails the
 *       step: {@code signing_refused}). Each document is then signed after the commit: a PDF as PAdES-B-B,
 *       anything else as a detached CAdES-B-B (a {@code .p7s} over the original bytes). Files
 *       {@code signed_doc} (the first, {@code application/pdf} for a PDF), {@code signed_docs} (one file
 *       each, in order), {@code certificate}, {@code cert_status}. Without a valid certificate one is issued
 *       first.</li>
 * </ul>
 *
 * Every other option ({@code forgot_password_option}, …) is kept as sent and means nothing here. Test
 * flows sign with the provider's TEST CA; a consumer's mockery script for {@code esign} answers instead.
 *
 * <p>Decisions are pure: issuing and signing are irreversible for a CA or an HSM, so they run once, after
 * the commit that makes the step wait ({@link StepDecision#thenComplete}), and their outcome completes the
 * session. The documents are read in the decision (reading is fine) so that what is signed is what the
 * screen listed.
 */
public final class EsignService implements FlowService {
    public static final String NAME = "esign";
    /** The key of this service's own list of input files under input_data.files. */
    public static final String INPUT_KEY = "esign";
    private static final Logger LOG = LoggerFactory.getLogger(EsignService.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String PKCS7_SIGNATURE = "application/pkcs7-signature";

    private final SigningProvider provider;

    private EsignService(SigningProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /** The service on the host's own provider (its national CA, its HSM). */
    public static EsignService with(SigningProvider provider) {
        return new EsignService(provider);
    }

    /**
     * The service on idflow's reference provider ({@link LocalCaSigningProvider}): {@code live} signs live
     * flows, {@code test} (its name must say TEST) test flows; people's keys are kept in {@code store}
     * (the host's {@code IdflowStorage.personCertificates()}), sealed with {@code cipher}.
     */
    public static EsignService withLocalCa(LocalCa live, LocalCa test, PersonCertificateRepository store,
                                           SecretCipher cipher) {
        return new EsignService(new LocalCaSigningProvider(live, test, store, cipher));
    }

    public SigningProvider provider() {
        return provider;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        JsonNode action = options.get("action");
        if (action == null || action.isNull()) {
            problems.add("action: is required (issue or sign)");
        } else if (!action.isTextual() || !List.of("issue", "sign").contains(action.asText())) {
            problems.add("action: must be issue or sign");
        }
        JsonNode skip = options.get("skip_exists");
        if (skip != null && !skip.isNull() && !skip.isBoolean()) {
            problems.add("skip_exists: must be true or false");
        }
        if (action != null && "sign".equals(action.asText())) {
            problems.addAll(StepDocuments.checkOption(options.get("files")));
        }
        return problems;
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        Signer signer = signer(step);
        Instant now = step.now();
        if ("issue".equals(step.options().get("action").asText())) {
            JsonNode skip = step.options().get("skip_exists");
            if (skip != null && skip.asBoolean(false)) {
                Optional<SignerCertificate> valid = provider.validCertificate(signer, now);
                if (valid.isPresent()) {
                    return StepDecision.finish(issued(valid.get(), signer, true, now));
                }
            }
            return StepDecision.awaitOutside(wait("issue"), null).thenComplete(() -> {
                try {
                    return issued(provider.issue(signer, now), signer, false, now);
                } catch (SigningException e) {
                    return failure(e);
                }
            });
        }
        List<StepDocuments.Document> documents;
        try {
            documents = StepDocuments.resolve(step, INPUT_KEY);
        } catch (StepDocuments.MissingDocument e) {
            ObjectNode result = result("fail").put("error", e.getMessage());
            result.putArray("error_codes").add("missing_document");
            return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
        }
        ArrayNode shown = JSON.arrayNode();
        ArrayNode ids = JSON.arrayNode();
        for (StepDocuments.Document d : documents) {
            shown.addObject().set("title", d.screenTitle());
            ids.add(d.file().fileId());
        }
        ObjectNode state = JSON.objectNode();
        state.set("file_ids", ids);
        return StepDecision.awaitPerson(Screen.of("sign").with("documents", shown).with("signer", signer.fullName()), state);
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) throws Exception {
        if (!(input instanceof PersonInput.Submit submit) || !"sign".equals(step.options().get("action").asText())) {
            throw InputRejected.unexpected(NAME, input);
        }
        JsonNode confirmed = submit.body().get("confirmed");
        if (confirmed == null || !confirmed.isBoolean()) {
            throw InputRejected.invalid("confirmed", confirmed == null ? "required" : "type", "is required (true or false)");
        }
        if (!confirmed.asBoolean()) {
            ObjectNode result = result("fail").put("confirmed", false);
            result.putArray("error_codes").add("signing_refused");
            return StepDecision.finish(ServiceOutcome.fail(result));
        }
        List<StepDocuments.Document> documents;
        try {
            documents = StepDocuments.resolve(step, INPUT_KEY);
        } catch (StepDocuments.MissingDocument e) {
            ObjectNode result = result("fail").put("error", e.getMessage());
            result.putArray("error_codes").add("missing_document");
            return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
        }
        List<String> shownIds = new ArrayList<>();
        step.state().path("file_ids").forEach(id -> shownIds.add(id.asText()));
        List<String> ids = documents.stream().map(d -> d.file().fileId()).toList();
        if (!ids.equals(shownIds)) {
            // a document changed under the screen (a newer file of a label): sign only what the person saw
            ObjectNode result = result("fail").put("error", "files: the documents changed after they were shown");
            result.putArray("error_codes").add("documents_changed");
            return StepDecision.finish(ServiceOutcome.fail(result));
        }
        List<Content> contents = new ArrayList<>();
        for (StepDocuments.Document d : documents) {
            contents.add(new Content(d.title(), d.file(), read(step, d.file())));
        }
        Signer signer = signer(step);
        Instant now = step.now();
        return StepDecision.awaitOutside(wait("sign"), step.state()).thenComplete(() -> {
            try {
                return signed(signer, contents, now);
            } catch (SigningException e) {
                return failure(e);
            }
        });
    }

    /** A document to sign, read in the decision. */
    private record Content(String title, StoredFile file, byte[] bytes) {
    }

    private ServiceOutcome signed(Signer signer, List<Content> contents, Instant now) throws SigningException {
        Optional<SignerCertificate> valid = provider.validCertificate(signer, now);
        SignerCertificate certificate = valid.isPresent() ? valid.get() : provider.issue(signer, now);
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        ObjectNode result = result("success");
        ArrayNode signedDocs = result.putArray("documents");
        for (int i = 0; i < contents.size(); i++) {
            Content c = contents.get(i);
            boolean pdf = isPdf(c.bytes());
            byte[] out;
            if (pdf) {
                out = PadesSigner.sign(c.bytes(), signer.fullName(), now,
                        request -> provider.sign(signer, certificate, request));
            } else {
                out = provider.sign(signer, certificate, new SignatureRequest(CadesSignatures.sha256(c.bytes()), now,
                        SignatureRequest.Profile.CADES));
            }
            ServiceFile file = new ServiceFile(pdf ? "application/pdf" : PKCS7_SIGNATURE, out);
            if (i == 0) {
                files.put("signed_doc", file);
            }
            files.put(i == 0 ? "signed_docs" : "signed_docs#" + (i + 1), file);
            signedDocs.addObject().put("title", c.title()).put("file_id", c.file().fileId())
                    .put("format", pdf ? "pades-b-b" : "cades-b-b-detached")
                    .put("original_sha256", HexFormat.of().formatHex(CadesSignatures.sha256(c.bytes())));
        }
        result.put("signed_at", now.toString()).put("certificate_issued", valid.isEmpty());
        result.set("certificate", describe(certificate, signer));
        files.putAll(certificateFiles(certificate, signer, valid.isPresent(), now));
        return ServiceOutcome.pass(result).withFiles(files);
    }

    private ServiceOutcome issued(SignerCertificate certificate, Signer signer, boolean reused, Instant now) {
        ObjectNode result = result("success").put("reused", reused);
        result.set("certificate", describe(certificate, signer));
        return ServiceOutcome.pass(result).withFiles(certificateFiles(certificate, signer, reused, now));
    }

    private static Map<String, ServiceFile> certificateFiles(SignerCertificate certificate, Signer signer, boolean reused,
                                                             Instant now) {
        ObjectNode status = describe(certificate, signer);
        X509Certificate cert = certificate.certificate();
        status.put("status", now.isBefore(cert.getNotAfter().toInstant()) ? "valid" : "expired").put("reused", reused);
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        files.put("certificate", new ServiceFile("text/plain", certificate.pem().getBytes(StandardCharsets.US_ASCII)));
        files.put("cert_status", new ServiceFile("application/json", status.toString().getBytes(StandardCharsets.UTF_8)));
        return files;
    }

    private static ObjectNode describe(SignerCertificate certificate, Signer signer) {
        X509Certificate cert = certificate.certificate();
        return JSON.objectNode()
                .put("certificate_id", certificate.certificateId())
                .put("subject", certificate.subject())
                .put("issuer", certificate.issuer())
                .put("serial_number", cert.getSerialNumber().toString(16))
                .put("not_before", cert.getNotBefore().toInstant().toString())
                .put("not_after", cert.getNotAfter().toInstant().toString())
                .put("test", signer.test());
    }

    private static ServiceOutcome failure(SigningException e) {
        LOG.warn("esign failed ({}): {}", e.errorCode(), e.getMessage());
        ObjectNode result = result("fail");
        result.putArray("error_codes").add(e.errorCode());
        ServiceOutcome outcome = new ServiceOutcome(ExecutionStatus.FAIL, result, null, null);
        // an unreadable document stays unreadable: retrying cannot help
        return "document_unreadable".equals(e.errorCode()) ? outcome.withoutRetry() : outcome;
    }

    private static Screen wait(String action) {
        ObjectNode message = JSON.objectNode();
        if ("issue".equals(action)) {
            message.put("en", "Issuing your signing certificate").put("ru", "Выпускаем ваш сертификат подписи")
                    .put("kk", "Қол қою сертификатыңыз шығарылуда");
        } else {
            message.put("en", "Signing the documents").put("ru", "Подписываем документы")
                    .put("kk", "Құжаттарға қол қойылуда");
        }
        return Screen.of("wait").with("message", message);
    }

    /** The person as the certificate names them: input_data full_name (else the person_id) and iin. */
    static Signer signer(StepContext step) {
        String name = step.inputData() == null ? null : step.inputData().fullName();
        String iin = step.inputData() == null ? null : step.inputData().iin();
        return new Signer(step.consumerId(), step.personId(), name == null || name.isBlank() ? step.personId() : name,
                iin != null && iin.matches("[0-9]{12}") ? iin : null, step.testFlow());
    }

    private static byte[] read(StepContext step, StoredFile file) throws IOException {
        try (InputStream in = step.openFile(file)) {
            return in.readAllBytes();
        }
    }

    private static boolean isPdf(byte[] b) {
        return b.length >= 5 && b[0] == '%' && b[1] == 'P' && b[2] == 'D' && b[3] == 'F' && b[4] == '-';
    }

    private static ObjectNode result(String status) {
        return JSON.objectNode().put("service_name", NAME).put("service_status", status);
    }
}
