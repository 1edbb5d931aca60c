package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One face template a consumer keeps: on its {@code blacklist} or {@code graylist} (enrolled by the host
 * through {@code Idflow.faceLists()}), or the face of a person whose liveness session passed
 * ({@code verified}), which later sessions of the same consumer are searched against for
 * {@code face_has_another_account}.
 *
 * <p>{@code sealedTemplate} is the {@link dev.idflow.core.spi.FaceMatcher}'s template sealed with the host's
 * {@link dev.idflow.core.spi.SecretCipher}: stores keep only sealed bytes, and no API ever returns them.
 * {@code test} keeps the sandbox's templates apart from live ones, as everything else. {@code personId}
 * is the person the template belongs to (always for {@code verified}; optional for a list entry, when the
 * host knows whose face it enrolled): erasing a person deletes every template with their person_id.
 * {@code reference} is the host's own word for a list entry (a case number), never a person's data by
 * idflow's choice; {@code sessionId} the session a verified template came from.
 */
public record FaceTemplate(String templateId, String consumerId, boolean test, String kind, String personId,
                           String reference, String model, byte[] sealedTemplate, String sessionId, Instant createdAt) {
    public static final String BLACKLIST = "blacklist";
    public static final String GRAYLIST = "graylist";
    public static final String VERIFIED = "verified";
    /** The lists a host enrolls faces into. */
    public static final Set<String> LISTS = Set.of(BLACKLIST, GRAYLIST);
    public static final Set<String> KINDS = Set.of(BLACKLIST, GRAYLIST, VERIFIED);
    public static final int MAX_REFERENCE_LENGTH = 256;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public FaceTemplate {
        if (templateId == null || !ID.matcher(templateId).matches()) {
            throw new IllegalArgumentException("templateId must be 1–64 characters of A-Z, a-z, 0-9, _ and -");
        }
        if (consumerId == null || consumerId.isBlank()) {
            throw new IllegalArgumentException("consumerId must not be blank");
        }
        checkKind(kind);
        if (VERIFIED.equals(kind) && (personId == null || personId.isBlank())) {
            throw new IllegalArgumentException("personId is required for a verified template");
        }
        if (personId != null && (personId.isBlank() || personId.length() > 128)) {
            throw new IllegalArgumentException("personId must be 1–128 characters when given");
        }
        if (reference != null && reference.length() > MAX_REFERENCE_LENGTH) {
            throw new IllegalArgumentException("reference must be at most " + MAX_REFERENCE_LENGTH + " characters");
        }
        if (model == null || model.isBlank() || model.length() > 128) {
            throw new IllegalArgumentException("model must be 1–128 characters");
        }
        Objects.requireNonNull(sealedTemplate, "sealedTemplate");
        if (sealedTemplate.length == 0) {
            throw new IllegalArgumentException("sealedTemplate must not be empty");
        }
        sealedTemplate = sealedTemplate.clone();
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** Returns {@code kind} when it is blacklist, graylist or verified; else throws naming them. */
    public static String checkKind(String kind) {
        if (kind == null || !KINDS.contains(kind)) {
            throw new IllegalArgumentException("kind must be one of blacklist, graylist, verified");
        }
        return kind;
    }

    /** Returns {@code list} when it is blacklist or graylist; else throws naming them. */
    public static String checkList(String list) {
        if (list == null || !LISTS.contains(list)) {
            throw new IllegalArgumentException("list must be blacklist or graylist");
        }
        return list;
    }

    @Override
    public byte[] sealedTemplate() {
        return sealedTemplate.clone();
    }

    /** Never prints the template, sealed or not. */
    @Override
    public String toString() {
        return "FaceTemplate[" + templateId + ", consumer " + consumerId + ", " + kind + (test ? ", test" : ", live")
                + ", model " + model + ", created " + createdAt + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaceTemplate t && t.templateId.equals(templateId) && t.consumerId.equals(consumerId)
                && t.test == test && t.kind.equals(kind) && Objects.equals(t.personId, personId)
                && Objects.equals(t.reference, reference) && t.model.equals(model)
                && java.util.Arrays.equals(t.sealedTemplate, sealedTemplate) && Objects.equals(t.sessionId, sessionId)
                && t.createdAt.equals(createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(templateId, consumerId, kind, createdAt);
    }
}
