package dev.idflow.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a verilive session needs beyond a plain session: the bearer access token the person's device
 * holds (looked up by its SHA-256 hash, kept so the hosted page can hand it to the camera), the
 * actions to perform, how many attempts remain and when the token expires. {@code consumerDriven}:
 * the consumer opened it through {@code POST /liveness2/session} for its own front end, so its
 * retries are its own attempts and the flow opens no new session when it fails; sessions the flow
 * engine opens for the hosted page get one attempt each and a retry is a new session.
 */
public record LivenessDetails(
        String accessToken,
        String accessTokenHash,
        List<List<String>> pipeline,
        String platform,
        int attemptsLeft,
        Instant expiresAt,
        boolean consumerDriven) {

    public LivenessDetails {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(accessTokenHash, "accessTokenHash");
        Objects.requireNonNull(expiresAt, "expiresAt");
        pipeline = pipeline == null ? List.of() : pipeline.stream().map(List::copyOf).toList();
    }

    public LivenessDetails withAttemptsLeft(int left) {
        return new LivenessDetails(accessToken, accessTokenHash, pipeline, platform, left, expiresAt, consumerDriven);
    }

    @Override
    public String toString() {
        return "LivenessDetails[pipeline=" + pipeline + ", attemptsLeft=" + attemptsLeft + ", expiresAt=" + expiresAt
                + ", consumerDriven=" + consumerDriven + "]";
    }
}
