package dev.idflow.core.services;

import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.spi.FaceMatcher;
import dev.idflow.core.spi.FaceTemplateRepository;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the face services share: the host's {@link FaceMatcher} (null when none is plugged in), the
 * consumers' face templates sealed with the host's cipher, and the face-list search (PRODUCT.md, "Face
 * analysis"): a probe's template against the consumer's blacklist and graylist and the faces of persons
 * verified under another person_id, among the templates of the same kind of flow (test or live) and the
 * same model. Templates are unsealed only here, in memory, for the comparison, and never logged.
 */
public final class FaceChecks {
    public static final String IN_BLACKLIST = "face_in_blacklist";
    public static final String IN_GRAYLIST = "face_in_graylist";
    public static final String ANOTHER_ACCOUNT = "face_has_another_account";
    private static final Logger LOG = LoggerFactory.getLogger(FaceChecks.class);

    private final FaceMatcher matcher;
    private final FaceTemplateRepository templates;
    private final dev.idflow.core.spi.SessionRepository sessions;
    private final SecretCipher cipher;

    /** {@code sessions}: to store a verified face only while its session still exists (not erased meanwhile). */
    public FaceChecks(FaceMatcher matcher, FaceTemplateRepository templates, dev.idflow.core.spi.SessionRepository sessions,
                      SecretCipher cipher) {
        this.matcher = matcher;
        this.templates = templates;
        this.sessions = sessions;
        this.cipher = cipher;
    }

    /** The host's matcher, or null. */
    public FaceMatcher matcher() {
        return matcher;
    }

    /** Whether face lists are checked for the consumer: enabled by it, and a matcher is there to check them. */
    public boolean listsActive(String consumerId) {
        return matcher != null && templates.enabled(consumerId);
    }

    /**
     * What the face lists say of {@code probeTemplate}: the error codes hit ({@link #IN_BLACKLIST},
     * {@link #IN_GRAYLIST}, {@link #ANOTHER_ACCOUNT}, in that order, each once), empty when none.
     */
    public List<String> search(String consumerId, boolean test, String personId, byte[] probeTemplate) {
        List<FaceTemplate> stored = templates.candidates(consumerId, test, matcher.model());
        List<FaceMatcher.Candidate> candidates = new ArrayList<>(stored.size());
        Map<String, FaceTemplate> byId = new java.util.HashMap<>();
        for (FaceTemplate t : stored) {
            // a person's own verified face is not another account
            if (FaceTemplate.VERIFIED.equals(t.kind()) && personId.equals(t.personId())) {
                continue;
            }
            byte[] clear;
            try {
                clear = cipher.decrypt(t.sealedTemplate());
            } catch (RuntimeException e) {
                // sealed under another key (a rotated secret): it cannot be compared, and saying so is all
                LOG.warn("face template {} of consumer {} cannot be unsealed with this server's key; skipped",
                        t.templateId(), consumerId);
                continue;
            }
            candidates.add(new FaceMatcher.Candidate(t.templateId(), clear));
            byId.put(t.templateId(), t);
        }
        Set<String> kinds = new java.util.HashSet<>();
        for (FaceMatcher.Match m : matcher.search(probeTemplate, candidates, matcher.threshold())) {
            FaceTemplate hit = byId.get(m.id());
            if (hit != null) {
                kinds.add(hit.kind());
            }
        }
        Set<String> codes = new LinkedHashSet<>();
        if (kinds.contains(FaceTemplate.BLACKLIST)) {
            codes.add(IN_BLACKLIST);
        }
        if (kinds.contains(FaceTemplate.GRAYLIST)) {
            codes.add(IN_GRAYLIST);
        }
        if (kinds.contains(FaceTemplate.VERIFIED)) {
            codes.add(ANOTHER_ACCOUNT);
        }
        return List.copyOf(codes);
    }

    /**
     * Stores the person's verified face, sealed, once the verdict that verified it has landed (an effect:
     * never for a verdict that lost its race, at most once). It replaces their earlier verified face.
     */
    public StepDecision.Effect storeVerified(StepContext step, byte[] template) {
        FaceTemplate verified = new FaceTemplate(newTemplateId(step.random()), step.consumerId(), step.testFlow(),
                FaceTemplate.VERIFIED, step.personId(), null, matcher.model(), cipher.encrypt(template), step.sessionId(),
                step.now());
        String sessionId = step.sessionId();
        return () -> {
            // the person may have been erased while the attempt was judged: keep no face for a session gone
            if (sessions.findById(sessionId).isPresent()) {
                templates.add(verified);
            }
        };
    }

    /**
     * The face lists on a liveness verdict ({@code result}, a VeriliveResult being made): only a {@code real}
     * one, and only for a consumer with face lists on. The best frame's template is searched; a hit adds its
     * code to {@code error_codes} and changes {@code service_status} ({@link #livenessStatus}); a verdict
     * still {@code real} after it adds the effect that stores the person's verified face. A best frame in
     * which the matcher finds not exactly one face cannot be searched: the verdict becomes {@code unknown}
     * with the matcher's finding as a warning. A matcher that fails leaves the verdict {@code unknown} too.
     */
    public void onLivenessVerdict(StepContext step, byte[] bestFrame, com.fasterxml.jackson.databind.node.ObjectNode result,
                                  List<StepDecision.Effect> effects) {
        if (!"real".equals(result.path("service_status").asText()) || !listsActive(step.consumerId())) {
            return;
        }
        FaceMatcher.FaceFound found;
        List<String> codes;
        try {
            found = matcher.face(bestFrame);
            codes = found.faces() == 1 ? search(step.consumerId(), step.testFlow(), step.personId(), found.template())
                    : List.of();
        } catch (Exception e) {
            LOG.error("face matcher failed on session {}", step.sessionId(), e);
            result.put("service_status", "unknown");
            addOnce(result.withArray("warnings"), "model_prediction");
            return;
        }
        if (found.faces() != 1) {
            result.put("service_status", "unknown");
            addOnce(result.withArray("warnings"), found.faces() == 0 ? "no_face" : "face_multiplicity_frame");
            return;
        }
        codes.forEach(code -> addOnce(result.withArray("error_codes"), code));
        String status = livenessStatus("real", codes);
        result.put("service_status", status);
        if (status.equals("real")) {
            effects.add(storeVerified(step, found.template()));
        }
    }

    /** Whether a liveness result names a face-list hit that fails it (blacklist, another account). */
    public static boolean hitsAList(com.fasterxml.jackson.databind.node.ObjectNode result) {
        for (com.fasterxml.jackson.databind.JsonNode code : result.path("error_codes")) {
            if (IN_BLACKLIST.equals(code.asText()) || ANOTHER_ACCOUNT.equals(code.asText())) {
                return true;
            }
        }
        return false;
    }

    static void addOnce(com.fasterxml.jackson.databind.node.ArrayNode array, String word) {
        for (com.fasterxml.jackson.databind.JsonNode n : array) {
            if (word.equals(n.asText())) {
                return;
            }
        }
        array.add(word);
    }

    /** A template's id: 128 random bits, base64url. */
    public static String newTemplateId(SecureRandom random) {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * The face-list codes as a liveness verdict: a blacklist hit or another account is an {@code attack};
     * a graylist hit alone leaves it {@code unknown} (a person looks at it: an operator's review decides);
     * none leaves {@code status} as it was.
     */
    public static String livenessStatus(String status, List<String> codes) {
        if (codes.contains(IN_BLACKLIST) || codes.contains(ANOTHER_ACCOUNT)) {
            return "attack";
        }
        if (codes.contains(IN_GRAYLIST)) {
            return "unknown";
        }
        return status;
    }
}
