package dev.idflow.core.services;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.CameraService;
import dev.idflow.core.spi.FaceMatcher;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code verilive-one-shot}: one selfie before the camera, no action asked. The attempt's picture is its
 * frame at the device's {@code bestframe_index} (the first by default; the others are ignored). Judged by
 * idflow's rules (velocity, virtual camera, desktop, the device's times within the session), then the
 * faces: with a {@link FaceMatcher}, no face is {@code attack} {@code no_face} and several are
 * {@code attack} {@code face_multiplicity_frame}; then {@code real} only from the bank's
 * presentation-attack engine for single pictures ({@code Idflow.builder().selfieAnalysis(...)}), else
 * {@code unknown}. A {@code real} verdict is searched against the face lists when the consumer has them
 * on, as verilive's. Test flows: the mockery script first, as verilive. The step's options:
 * {@code allow_desktop} (default true). The hosted page shows its camera screen with no action.
 */
public final class VeriliveOneShotService implements CameraService {
    public static final String NAME = "verilive-one-shot";

    private final LivenessAnalyzer analyzer;
    private final SessionRepository sessions;
    private final FaceChecks faces;

    /** {@code analyzer}: idflow's rules around {@link #selfieChecks}, as {@code Idflow} builds it. */
    public VeriliveOneShotService(LivenessAnalyzer analyzer, SessionRepository sessions, FaceChecks faces) {
        this.analyzer = analyzer;
        this.sessions = sessions;
        this.faces = faces;
    }

    /**
     * The face checks of one selfie, for idflow's rules to wrap: the matcher's face count (when there is a
     * matcher), then the bank's presentation-attack engine (when there is one), else {@code unknown}.
     */
    public static LivenessAnalyzer selfieChecks(FaceMatcher matcher, LivenessAnalyzer presentationAttack) {
        return new LivenessAnalyzer() {
            @Override
            public Verdict analyze(Attempt attempt) throws Exception {
                if (matcher != null) {
                    int found = matcher.face(attempt.frames().get(0)).faces();
                    if (found == 0) {
                        return new Verdict("attack", List.of("no_face"), List.of(), 0);
                    }
                    if (found > 1) {
                        return new Verdict("attack", List.of("face_multiplicity_frame"), List.of(), 0);
                    }
                }
                if (presentationAttack == null) {
                    return new Verdict("unknown", List.of(), List.of(), 0);
                }
                Verdict verdict = presentationAttack.analyze(attempt);
                return verdict == null ? Verdict.unknown() : verdict;
            }

            @Override
            public Set<String> checkableActions() {
                return Set.of(); // a single picture shows no action
            }
        };
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StepDecision open(StepContext step) {
        int duration = Math.min(600, step.timeoutSeconds());
        return StepDecision.awaitCamera(new StepDecision.Camera(List.of(), 1, duration, null));
    }

    @Override
    public AttemptVerdict judge(StepContext step, CameraAttempt attempt) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME);
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        List<StepDecision.Effect> effects = new ArrayList<>();
        int index = Math.min(Math.max(0, attempt.metadata().path("bestframe_index").asInt(0)), attempt.frames().size() - 1);
        byte[] selfie = attempt.frames().get(index);
        Optional<MockeryScript> script = step.sandboxScript();
        if (script.isPresent()) {
            CameraVerdicts.scripted(script.get(), result, files);
        } else {
            CameraVerdicts.analyze(analyzer, sessions, NAME, step, attempt, List.of(), List.of(selfie), result);
            if (faces != null) {
                faces.onLivenessVerdict(step, selfie, result, effects);
            }
        }
        return CameraVerdicts.verdict(step, attempt, result, files, effects);
    }
}
