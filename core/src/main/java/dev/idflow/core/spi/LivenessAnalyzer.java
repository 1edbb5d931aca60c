package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides a liveness attempt. Banks plug in a certified presentation-attack-detection engine; idflow's
 * own rules ({@code RulesLivenessAnalyzer}) decide only what they can really check and wrap it.
 */
public interface LivenessAnalyzer {

    Verdict analyze(Attempt attempt) throws Exception;

    /** Every action a liveness pipeline may name (the hosted page and the web SDK prompt for each). */
    Set<String> ACTIONS = Set.of("turn-left", "turn-right", "turn-straight", "tilt-up", "tilt-down", "zoom-in",
            "zoom-out", "shake", "smile", "blink", "open-mouth", "tongue-out");

    /**
     * The actions this engine can really see performed. A pipeline idflow draws itself names only these;
     * a pipeline the consumer names with another one gets {@code unknown} with a warning, never
     * {@code real}. By default every action (an engine that says nothing is trusted to check them all).
     */
    default Set<String> checkableActions() {
        return ACTIONS;
    }

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

    /**
     * The spec's VeriliveResult essentials: real | attack | unknown, with LivenessError codes, and the
     * index (into {@link Attempt#frames}) of the frame the engine chose as the best frame (frontal, sharp,
     * eyes open), or null when it chose none (then the device's {@code bestframe_index} stands).
     */
    record Verdict(String serviceStatus, List<String> errorCodes, List<String> warnings, Integer bestFrame) {
        public Verdict(String serviceStatus, List<String> errorCodes, List<String> warnings) {
            this(serviceStatus, errorCodes, warnings, null);
        }

        public Verdict {
            Objects.requireNonNull(serviceStatus, "serviceStatus");
            if (!List.of("real", "attack", "unknown").contains(serviceStatus)) {
                throw new IllegalArgumentException("serviceStatus must be real, attack or unknown");
            }
            errorCodes = errorCodes == null ? List.of() : List.copyOf(errorCodes);
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
            if (bestFrame != null && bestFrame < 0) {
                throw new IllegalArgumentException("bestFrame must be an index into the attempt's frames");
            }
        }

        public static Verdict unknown() {
            return new Verdict("unknown", List.of(), List.of());
        }
    }
}
