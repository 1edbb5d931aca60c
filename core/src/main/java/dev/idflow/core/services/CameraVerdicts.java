package dev.idflow.core.services;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.CameraService;
import dev.idflow.core.spi.CameraService.AttemptVerdict;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** What verilive and verilive-one-shot judge alike: a scripted verdict, the analyzer's, and the result's end. */
final class CameraVerdicts {
    private CameraVerdicts() {
    }

    /** A test flow's scripted verdict into {@code result}, its files (typed by their bytes) into {@code files}. */
    static void scripted(MockeryScript script, ObjectNode result, Map<String, ServiceFile> files) {
        ObjectNode scripted = script.result();
        result.put("service_status", scripted.path("service_status").asText("unknown"));
        result.set("error_codes", scripted.has("error_codes") ? scripted.get("error_codes") : Json.mapper().createArrayNode());
        result.set("warnings", scripted.has("warnings") ? scripted.get("warnings") : Json.mapper().createArrayNode());
        script.files().forEach((label, bytes) -> files.put(label, new ServiceFile(FileTypes.of(bytes), bytes)));
    }

    /**
     * The analyzer's verdict on {@code frames} for {@code pipeline}, with the velocity count of {@code service}
     * and the step's {@code allow_desktop}; {@code unknown} when the analyzer fails (the engine failed, not
     * the person: no verdict rather than a made-up one). The verdict is put into {@code result}.
     */
    static LivenessAnalyzer.Verdict analyze(LivenessAnalyzer analyzer, SessionRepository sessions, String service,
                                            StepContext step, CameraService.CameraAttempt attempt,
                                            List<List<String>> pipeline, List<byte[]> frames, ObjectNode result) {
        int recent = sessions.countCreatedSince(step.consumerId(), step.personId(), service,
                attempt.receivedAt().minus(Duration.ofHours(1)));
        boolean allowDesktop = step.options().getOrDefault("allow_desktop",
                Json.mapper().getNodeFactory().booleanNode(true)).asBoolean(true);
        LivenessAnalyzer.Verdict verdict;
        try {
            verdict = analyzer.analyze(new LivenessAnalyzer.Attempt(step.consumerId(), step.personId(),
                    step.sessionId(), pipeline, attempt.metadata(), frames, attempt.videoSent(),
                    attempt.receivedAt(), step.openedAt(), allowDesktop, recent));
        } catch (Exception e) {
            LoggerFactory.getLogger(CameraVerdicts.class).error("{} analysis failed on session {}", service,
                    step.sessionId(), e);
            verdict = LivenessAnalyzer.Verdict.unknown();
        }
        result.put("service_status", verdict.serviceStatus());
        result.putArray("error_codes");
        result.putArray("warnings");
        verdict.errorCodes().forEach(result.withArray("error_codes")::add);
        verdict.warnings().forEach(result.withArray("warnings")::add);
        return verdict;
    }

    /**
     * The attempt's verdict from {@code result}: the server's times (never the device's: the session's life
     * began when the server created it, and the attempt ended when the server received it), real → pass,
     * attack → fail, else unknown; final when the face was on a list (the same face in the next session).
     */
    static AttemptVerdict verdict(StepContext step, CameraService.CameraAttempt attempt, ObjectNode result,
                                  Map<String, ServiceFile> files, List<StepDecision.Effect> effects) {
        result.put("start_time", step.openedAt().toString());
        result.put("end_time", attempt.receivedAt().toString());
        ExecutionStatus status = switch (result.path("service_status").asText("unknown")) {
            case "real" -> ExecutionStatus.PASS;
            case "attack" -> ExecutionStatus.FAIL;
            default -> ExecutionStatus.UNKNOWN;
        };
        AttemptVerdict judged = new AttemptVerdict(status, result, files, effects);
        return FaceChecks.hitsAList(result) ? judged.withoutRetry() : judged;
    }
}
