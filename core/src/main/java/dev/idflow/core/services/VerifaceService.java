package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.FrameImages;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FaceMatcher;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code veriface}: a 1:1 match, at once, of the flow's best frame (the {@code bestframe} an earlier
 * liveness step of the flow produced) against a reference face, with the host's {@link FaceMatcher}.
 *
 * <p>The reference: with the step option {@code reference} (a file label, {@code [a-z0-9_-]{1,64}}), the
 * newest file of that label an earlier step of this flow produced, else the newest the consumer uploaded
 * for the person ({@code POST /resources/storage}); without it, the first there is of: the person's
 * uploaded {@code face_enroll_img}, the flow's {@code face_enroll_img}, the flow's {@code doc_face_picture}.
 * Option {@code threshold} (a number above 0 and at most 1): the similarity at or above which the faces
 * are the same person; default the builder's {@code verifaceThreshold}, else the matcher's own.
 *
 * <p>Result: {@code {service_name, service_status: success|fail|unknown, similarity, threshold, decision:
 * match|no_match, model, reference: {source: flow|person_upload, label}}}; a failure without a comparison
 * says why in {@code reason}: {@code no_probe}, {@code no_reference}, {@code reference_not_image},
 * {@code no_face_in_probe}, {@code several_faces_in_probe}, {@code no_face_in_reference},
 * {@code several_faces_in_reference}. With face lists on for the consumer, the probe is searched too
 * ({@code error_codes}: {@code face_in_blacklist} or {@code face_has_another_account} fail the step,
 * {@code face_in_graylist} leaves it unknown for an operator's review). Nothing a retry could change: a
 * failure is final. The result never holds a template.
 *
 * <p>Live flows need a matcher (else 422 {@code SERVICE_NOT_AVAILABLE} at create). Test flows: the
 * consumer's mockery script when there is one, else the matcher; without a matcher, the sandbox's
 * plausible answer.
 */
public final class VerifaceService implements FlowService {
    public static final String NAME = "veriface";
    /** A reference image read into memory for the matcher: no face picture needs more. */
    static final int MAX_REFERENCE_BYTES = 10 << 20;
    private static final List<String> DEFAULT_REFERENCES = List.of("face_enroll_img", "doc_face_picture");

    private final FaceChecks faces;
    private final Double defaultThreshold;

    /** {@code defaultThreshold}: the host's operating point, or null for the matcher's own. */
    public VerifaceService(FaceChecks faces, Double defaultThreshold) {
        this.faces = faces;
        this.defaultThreshold = defaultThreshold;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean availableIn(boolean testFlow) {
        return testFlow || faces.matcher() != null;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        JsonNode reference = options.get("reference");
        if (reference != null && !(reference.isTextual() && FileLabels.STEP_LABEL.matcher(reference.asText()).matches())) {
            problems.add("reference: " + FileLabels.STEP_LABEL_RULE + " (a file label)");
        }
        JsonNode threshold = options.get("threshold");
        if (threshold != null && !(threshold.isNumber() && threshold.asDouble() > 0 && threshold.asDouble() <= 1)) {
            problems.add("threshold: must be a number above 0 and at most 1");
        }
        return problems;
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        FaceMatcher matcher = faces.matcher();
        if (step.testFlow() && (step.sandboxScript().isPresent() || matcher == null)) {
            return new SandboxService(NAME, null).open(step);
        }
        double threshold = step.options().containsKey("threshold") ? step.options().get("threshold").asDouble()
                : defaultThreshold != null ? defaultThreshold : matcher.threshold();
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME);
        result.put("threshold", threshold);
        result.put("model", matcher.model());

        Optional<StoredFile> probeFile = step.flowFile(FileLabels.BESTFRAME);
        if (probeFile.isEmpty()) {
            return failed(result, "no_probe");
        }
        Optional<Reference> reference = reference(step);
        if (reference.isEmpty()) {
            return failed(result, "no_reference");
        }
        result.putObject("reference").put("source", reference.get().source()).put("label", reference.get().file().label());
        byte[] referenceImage = image(step, reference.get().file());
        if (referenceImage == null) {
            return failed(result, "reference_not_image");
        }
        byte[] probeImage = image(step, probeFile.get());
        if (probeImage == null) {
            return failed(result, "no_probe");
        }
        FaceMatcher.FaceFound probe = matcher.face(probeImage);
        if (probe.faces() != 1) {
            return failed(result, probe.faces() == 0 ? "no_face_in_probe" : "several_faces_in_probe");
        }
        FaceMatcher.FaceFound ref = matcher.face(referenceImage);
        if (ref.faces() != 1) {
            return failed(result, ref.faces() == 0 ? "no_face_in_reference" : "several_faces_in_reference");
        }
        double similarity = matcher.similarity(probe.template(), ref.template());
        boolean match = similarity >= threshold;
        result.put("similarity", Math.round(similarity * 10_000) / 10_000.0);
        result.put("decision", match ? "match" : "no_match");
        List<String> listCodes = faces.listsActive(step.consumerId())
                ? faces.search(step.consumerId(), step.testFlow(), step.personId(), probe.template()) : List.of();
        if (!listCodes.isEmpty()) {
            listCodes.forEach(result.withArray("error_codes")::add);
        }
        String liveness = FaceChecks.livenessStatus("real", listCodes);
        if (!match || liveness.equals("attack")) {
            result.put("service_status", "fail");
            return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
        }
        if (liveness.equals("unknown")) {
            // a graylisted face: idflow does not decide; an operator's review does
            result.put("service_status", "unknown");
            return StepDecision.finish(new ServiceOutcome(dev.idflow.core.model.ExecutionStatus.UNKNOWN, result, null, null));
        }
        result.put("service_status", "success");
        return StepDecision.pass(result);
    }

    private static StepDecision failed(ObjectNode result, String reason) {
        result.put("service_status", "fail");
        result.put("reason", reason);
        return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
    }

    private record Reference(StoredFile file, String source) {
    }

    private static Optional<Reference> reference(StepContext step) {
        JsonNode named = step.options().get("reference");
        if (named != null) {
            String label = named.asText();
            return step.flowFile(label).map(f -> new Reference(f, "flow"))
                    .or(() -> step.personFile(label).map(f -> new Reference(f, "person_upload")));
        }
        Optional<Reference> enrolled = step.personFile("face_enroll_img").map(f -> new Reference(f, "person_upload"));
        for (String label : DEFAULT_REFERENCES) {
            if (enrolled.isPresent()) {
                return enrolled;
            }
            enrolled = step.flowFile(label).map(f -> new Reference(f, "flow"));
        }
        return enrolled;
    }

    /**
     * The file's bytes when it is a JPEG or PNG within the frame budgets (its header checked before the
     * matcher decodes a pixel), else null.
     */
    private static byte[] image(StepContext step, StoredFile file) throws IOException {
        if (!FileTypes.JPEG.equals(file.contentType()) && !FileTypes.PNG.equals(file.contentType())) {
            return null;
        }
        if (file.size() > MAX_REFERENCE_BYTES) {
            return null;
        }
        byte[] bytes;
        try (InputStream in = step.openFile(file)) {
            bytes = in.readNBytes(MAX_REFERENCE_BYTES + 1);
        }
        if (bytes.length > MAX_REFERENCE_BYTES) {
            return null;
        }
        try {
            FrameImages.forThisNode().header(0, bytes);
        } catch (RuntimeException notAnImage) {
            return null;
        }
        return bytes;
    }
}
