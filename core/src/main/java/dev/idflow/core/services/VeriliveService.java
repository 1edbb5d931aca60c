package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.engine.RulesLivenessAnalyzer;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.FrameImages;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.CameraService;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code verilive}: the person performs the step's actions before the camera; each attempt is judged by
 * the {@link LivenessAnalyzer} (idflow's honest rules, then the bank's engine), or in a test flow by the
 * consumer's mockery script. {@code real} passes, {@code attack} fails, anything else ends the session
 * without a verdict ({@code unknown}). The step's options: {@code pipeline} (action groups), else 2–3
 * actions are drawn; {@code allow_desktop} (default true).
 */
public final class VeriliveService implements CameraService {
    public static final String NAME = "verilive";
    /** Actions a camera front end can prompt for and a person can do without instructions. */
    private static final List<String> RANDOM_ACTIONS = List.of(
            "turn-left", "turn-right", "smile", "blink", "zoom-in", "zoom-out", "tilt-up", "tilt-down", "open-mouth");

    private final LivenessAnalyzer analyzer;
    private final SessionRepository sessions;
    private final FaceChecks faces;

    public VeriliveService(LivenessAnalyzer analyzer, SessionRepository sessions) {
        this(analyzer, sessions, null);
    }

    /** {@code faces}: the face lists checked on a {@code real} verdict (null: none). */
    public VeriliveService(LivenessAnalyzer analyzer, SessionRepository sessions, FaceChecks faces) {
        this.analyzer = analyzer;
        this.sessions = sessions;
        this.faces = faces;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StepDecision open(StepContext step) {
        // one attempt per session for the hosted page: a retry is a new session (and a new token)
        int duration = Math.min(600, step.timeoutSeconds());
        return StepDecision.awaitCamera(new StepDecision.Camera(pipelineOption(step.options().get("pipeline"), step.random(),
                randomPool()), 1, duration, null));
    }

    @Override
    public AttemptVerdict judge(StepContext step, CameraAttempt attempt) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME);
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        List<StepDecision.Effect> effects = new ArrayList<>();
        Optional<MockeryScript> script = step.sandboxScript();
        if (script.isPresent()) {
            CameraVerdicts.scripted(script.get(), result, files);
        } else {
            LivenessAnalyzer.Verdict verdict = CameraVerdicts.analyze(analyzer, sessions, NAME, step, attempt,
                    attempt.pipeline(), attempt.frames(), result);
            // the spec's warnings are LivenessError codes (RulesLivenessAnalyzer.UNCHECKED_ACTION_WARNING):
            // the actions the analyzer cannot check are named here
            List<String> unchecked = RulesLivenessAnalyzer.uncheckedActions(attempt.pipeline(), analyzer.checkableActions());
            if (!unchecked.isEmpty()) {
                unchecked.forEach(result.withArray("unchecked_actions")::add);
            }
            int best = bestFrameIndex(verdict, attempt);
            if (verdict.bestFrame() != null && best == verdict.bestFrame()) {
                // the engine chose the best frame: it, not the device's bestframe_index, is the bestframe
                files.put(FileLabels.BESTFRAME, new ServiceFile(FileTypes.JPEG, bestframeJpeg(attempt.frames(), best)));
            }
            if (faces != null) {
                faces.onLivenessVerdict(step, attempt.frames().get(best), result, effects);
            }
        }
        return CameraVerdicts.verdict(step, attempt, result, files, effects);
    }

    /**
     * The frame the verdict is about: the engine's choice when it made one within the attempt's frames,
     * else the device's {@code bestframe_index} (clamped to the frames), as the stored bestframe.
     */
    static int bestFrameIndex(LivenessAnalyzer.Verdict verdict, CameraAttempt attempt) {
        int frames = attempt.frames().size();
        if (verdict.bestFrame() != null && verdict.bestFrame() < frames) {
            return verdict.bestFrame();
        }
        return Math.min(Math.max(0, attempt.metadata().path("bestframe_index").asInt(0)), frames - 1);
    }

    /**
     * A frame as the bestframe JPEG: a JPEG frame as sent (it was decoded and checked on arrival), a PNG
     * re-encoded as the upload's own bestframe is ({@link FrameImages#bestframeJpeg}).
     */
    static byte[] bestframeJpeg(List<byte[]> frames, int index) {
        byte[] frame = frames.get(index);
        if (FileTypes.JPEG.equals(FileTypes.sniff(frame))) {
            return frame;
        }
        FrameImages images = FrameImages.forThisNode();
        return images.bestframeJpeg(images.header(index, frame));
    }

    /** A verilive step may name its actions ({@code "pipeline": [["smile"], …]}); else they are drawn. */
    static List<List<String>> pipelineOption(JsonNode option, SecureRandom random, List<String> pool) {
        if (option != null && option.isArray() && !option.isEmpty()) {
            List<List<String>> groups = new ArrayList<>();
            for (JsonNode group : option) {
                if (!group.isArray() || group.isEmpty()) {
                    return randomPipeline(random, pool);
                }
                List<String> actions = new ArrayList<>();
                group.forEach(a -> actions.add(a.asText()));
                groups.add(actions);
            }
            return groups;
        }
        return randomPipeline(random, pool);
    }

    /**
     * The actions a pipeline idflow draws itself may hold: those a person can do without instructions that
     * the analyzer can also check ({@link LivenessAnalyzer#checkableActions()}), in a fixed order.
     */
    public List<String> randomPool() {
        java.util.Set<String> checkable = analyzer.checkableActions();
        return RANDOM_ACTIONS.stream().filter(checkable::contains).toList();
    }

    /** A pipeline drawn for this service's analyzer: 2–3 of {@link #randomPool()}. */
    public List<List<String>> drawPipeline(SecureRandom random) {
        return randomPipeline(random, randomPool());
    }

    /** 2–3 distinct actions, one per group, drawn with SecureRandom so a replay cannot be prepared. */
    public static List<List<String>> randomPipeline(SecureRandom random) {
        return randomPipeline(random, RANDOM_ACTIONS);
    }

    /**
     * 2–3 distinct actions of {@code pool}, one per group (fewer when the pool has fewer), drawn with
     * SecureRandom so a replay cannot be prepared.
     */
    public static List<List<String>> randomPipeline(SecureRandom random, List<String> pool) {
        List<String> left = new ArrayList<>(pool);
        int n = Math.min(left.size(), 2 + random.nextInt(2));
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(List.of(left.remove(random.nextInt(left.size()))));
        }
        return out;
    }
}
