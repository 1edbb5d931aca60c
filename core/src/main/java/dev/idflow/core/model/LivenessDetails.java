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
 */
public record LivenessDetails(
        String sealedAccessToken,
        String accessTokenHash,
        List<List<String>> pipeline,
        String platform,
        int attemptsLeft,
        Instant expiresAt,
        boolean consumerDriven) {

    public LivenessDetails {
        Objects.requireNonNull(sealedAccessToken, "sealedAccessToken");
        Objects.requireNonNull(accessTokenHash, "accessTokenHash");
        Objects.requireNonNull(expiresAt, "expiresAt");
        pipeline = pipeline == null ? List.of() : pipeline.stream().map(List::copyOf).toList();
    }

    public LivenessDetails withAttemptsLeft(int left) {
        return new LivenessDetails(sealedAccessToken, accessTokenHash, pipeline, platform, left, expiresAt, consumerDriven);
    }

    @Override
    public String toString() {
        return "LivenessDetails[pipeline=" + pipeline + ", attemptsLeft=" + attemptsLeft + ", expiresAt=" + expiresAt
                + ", consumerDriven=" + consumerDriven + "]";
    }
}
