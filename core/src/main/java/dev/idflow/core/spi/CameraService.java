package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A service whose step the person answers with the camera ({@link StepDecision#awaitCamera}): the
 * device sends attempts to the liveness client API, each reserved before its body is read and judged
 * here, outside any transaction (judging may take a while). The engine records the verdict: a pass, or
 * a verdict without a decision ({@link ExecutionStatus#UNKNOWN}), ends the session; a failure ends it
 * once no attempt is left and none is still being judged.
 */
public interface CameraService extends FlowService {

    /** Judges one attempt. Called once per attempt; never inside the engine's compare-and-set. */
    AttemptVerdict judge(StepContext step, CameraAttempt attempt) throws Exception;

    /**
     * One attempt as the device sent it, its images already checked (each frame a decodable image
     * within the pixel budgets): the metadata JSON, the frames in the order sent, whether a video came
     * with it, and when the server received it.
     */
    record CameraAttempt(JsonNode metadata, List<byte[]> frames, boolean videoSent, Instant receivedAt,
                         List<List<String>> pipeline) {
        public CameraAttempt {
            Objects.requireNonNull(metadata, "metadata");
            frames = List.copyOf(frames);
            pipeline = pipeline == null ? List.of() : pipeline;
        }
    }

    /**
     * The verdict on an attempt, the session's result as it stands after it, files it produced, and work
     * to run once the verdict is committed ({@code effects}, as {@link StepDecision#then}): never for a
     * verdict that did not land (another attempt ended the session first, the flow ended), at most once
     * (a node that dies right after the commit runs none), after the commit and outside any transaction.
     * The face services store a verified person's face template this way.
     */
    record AttemptVerdict(ExecutionStatus status, ObjectNode result, Map<String, ServiceFile> files,
                          List<StepDecision.Effect> effects, boolean isFinal) {
        public AttemptVerdict(ExecutionStatus status, ObjectNode result, Map<String, ServiceFile> files) {
            this(status, result, files, List.of(), false);
        }

        public AttemptVerdict(ExecutionStatus status, ObjectNode result, Map<String, ServiceFile> files,
                              List<StepDecision.Effect> effects) {
            this(status, result, files, effects, false);
        }

        /**
         * This verdict, and no retry of the step after it (as {@link ServiceOutcome#withoutRetry()}): a
         * failure another session would only repeat, such as a face on the consumer's blacklist.
         */
        public AttemptVerdict withoutRetry() {
            return new AttemptVerdict(status, result, files, effects, true);
        }

        public AttemptVerdict {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(result, "result");
            files = files == null ? Map.of() : Map.copyOf(files);
            effects = effects == null ? List.of() : List.copyOf(effects);
        }
    }
}
