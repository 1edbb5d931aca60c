package dev.idflow.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a verilive session needs beyond a plain session. The bearer access token the person's device
 * holds is kept two ways, neither of them usable from a copy of the database: its SHA-256 hash (to
 * find the session by it) and the token sealed with the host's {@link dev.idflow.core.spi.SecretCipher}
 * ({@code sealedAccessToken}, so the hosted page can hand it to the camera step). Then the actions to
 * perform, the attempts left, the token's expiry, and {@code consumerDriven}: the consumer opened it
 * through {@code POST /liveness2/session} for its own front end, so its retries are its own attempts
 * and the flow opens no new session when it fails; sessions the flow engine opens for the hosted page
 * get one attempt each and a retry is a new session.
 *
 * <p>{@code reservedAttempts}: attempts taken from {@code attemptsLeft} whose upload is still being read
 * or judged. An upload reserves its attempt (compare-and-set on the session) before its body is read,
 * and only the verdict of a reserved attempt is recorded, once: so however many uploads a device holds
 * open, no more of them are judged than the session had attempts, and a refused upload has used its
 * attempt.
 */
public record LivenessDetails(
        String sealedAccessToken,
        String accessTokenHash,
        List<List<String>> pipeline,
        String platform,
        int attemptsLeft,
        Instant expiresAt,
        boolean consumerDriven,
        List<String> reservedAttempts) {

    public LivenessDetails {
        Objects.requireNonNull(sealedAccessToken, "sealedAccessToken");
        Objects.requireNonNull(accessTokenHash, "accessTokenHash");
        Objects.requireNonNull(expiresAt, "expiresAt");
        pipeline = pipeline == null ? List.of() : pipeline.stream().map(List::copyOf).toList();
        reservedAttempts = reservedAttempts == null ? List.of() : List.copyOf(reservedAttempts);
    }

    /** A session with no attempt in progress. */
    public LivenessDetails(String sealedAccessToken, String accessTokenHash, List<List<String>> pipeline,
                           String platform, int attemptsLeft, Instant expiresAt, boolean consumerDriven) {
        this(sealedAccessToken, accessTokenHash, pipeline, platform, attemptsLeft, expiresAt, consumerDriven, null);
    }

    public LivenessDetails withAttemptsLeft(int left) {
        return new LivenessDetails(sealedAccessToken, accessTokenHash, pipeline, platform, left, expiresAt, consumerDriven,
                reservedAttempts);
    }

    /** One more attempt taken: {@code attemptsLeft - 1}, {@code attemptId} reserved. */
    public LivenessDetails reserving(String attemptId) {
        List<String> reserved = new java.util.ArrayList<>(reservedAttempts);
        reserved.add(attemptId);
        return new LivenessDetails(sealedAccessToken, accessTokenHash, pipeline, platform, attemptsLeft - 1, expiresAt,
                consumerDriven, reserved);
    }

    /** The attempt's reservation gone: its verdict was recorded, or it was refused. */
    public LivenessDetails releasing(String attemptId) {
        List<String> reserved = new java.util.ArrayList<>(reservedAttempts);
        reserved.remove(attemptId);
        return new LivenessDetails(sealedAccessToken, accessTokenHash, pipeline, platform, attemptsLeft, expiresAt,
                consumerDriven, reserved);
    }

    /** Every reservation gone: the session ended, so no attempt still in progress can count. */
    public LivenessDetails withoutReservations() {
        return new LivenessDetails(sealedAccessToken, accessTokenHash, pipeline, platform, attemptsLeft, expiresAt,
                consumerDriven, List.of());
    }

    @Override
    public String toString() {
        return "LivenessDetails[pipeline=" + pipeline + ", attemptsLeft=" + attemptsLeft + ", expiresAt=" + expiresAt
                + ", consumerDriven=" + consumerDriven + ", reservedAttempts=" + reservedAttempts + "]";
    }
}
