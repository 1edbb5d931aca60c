package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Decides a liveness attempt. Banks plug in a certified presentation-attack-detection engine; idflow's
 * own rules ({@code RulesLivenessAnalyzer}) decide only what they can really check and wrap it.
 */
public interface LivenessAnalyzer {

    Verdict analyze(Attempt attempt) throws Exception;

    /**
     * One attempt: the requested pipeline, the device's metadata (as sent, so untrusted: its times are
     * the device's clock), the frames (JPEG or PNG bytes, already checked to be images), whether a
     * video came with it, when the server received it and created the session (both on the server's
     * clock: the session's life, which the device's action times must fall within), whether the
     * template allows desktop devices, and how many liveness sessions the person had in the last hour.
     */
    record Attempt(String consumerId, String personId, String sessionId, List<List<String>> pipeline,
                   JsonNode metadata, List<byte[]> frames, boolean hasVideo, Instant receivedAt,
                   Instant sessionCreatedAt, boolean allowDesktop, int recentSessionsOfPerson) {
        public Attempt {
            pipeline = List.copyOf(pipeline);
            frames = List.copyOf(frames);
            Objects.requireNonNull(receivedAt, "receivedAt");
            Objects.requireNonNull(sessionCreatedAt, "sessionCreatedAt");
        }
    }

    /** The spec's VeriliveResult essentials: real | attack | unknown, with LivenessError codes. */
    record Verdict(String serviceStatus, List<String> errorCodes, List<String> warnings) {
        public Verdict {
            Objects.requireNonNull(serviceStatus, "serviceStatus");
            if (!List.of("real", "attack", "unknown").contains(serviceStatus)) {
                throw new IllegalArgumentException("serviceStatus must be real, attack or unknown");
            }
            errorCodes = errorCodes == null ? List.of() : List.copyOf(errorCodes);
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
        }

        public static Verdict unknown() {
            return new Verdict("unknown", List.of(), List.of());
        }
    }
}
