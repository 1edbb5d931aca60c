package dev.idflow.core.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a consumer's data is kept ({@link dev.idflow.core.spi.DataLifecycle}). A null period keeps that
 * data until the person is erased. Periods count from a file's or template's {@code createdAt} and from a
 * flow's {@code endedAt} (a flow still running is never purged).
 *
 * <ul>
 *   <li>{@code biometrics}: the files whose label is {@link #isBiometric biometric} (frames, liveness
 *       videos, best frames, face pictures) and the faces of verified persons (face templates of kind
 *       {@code verified}; the host's own blacklist and graylist entries stay until it removes them);</li>
 *   <li>{@code documents}: every other file (PDFs such as client_card and signed documents, uploads);</li>
 *   <li>{@code flows}: a whole ended flow, its sessions, files and events.</li>
 * </ul>
 */
public record RetentionPolicy(String consumerId, Duration biometrics, Duration documents, Duration flows) {
    /** The labels of files that carry a face or a body: what {@code biometrics} covers. */
    public static final java.util.Set<String> BIOMETRIC_LABELS = java.util.Set.of(
            "bestframe", "liveness_video", "liveness_alt_video", "liveness_frames", "doc_face_picture",
            "face_enroll_img", "face_verif_img");

    public RetentionPolicy {
        Objects.requireNonNull(consumerId, "consumerId");
        check("biometrics", biometrics);
        check("documents", documents);
        check("flows", flows);
    }

    private static void check(String field, Duration period) {
        if (period != null && (period.isNegative() || period.isZero())) {
            throw new IllegalArgumentException(field + ": a retention period must be positive (or null: kept), not " + period);
        }
    }

    public static boolean isBiometric(String label) {
        return BIOMETRIC_LABELS.contains(label);
    }
}
