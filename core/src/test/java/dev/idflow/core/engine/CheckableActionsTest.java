package dev.idflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.LivenessAnalyzer.Attempt;
import dev.idflow.core.spi.LivenessAnalyzer.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * idflow's rules around a face engine that checks only some actions: they expose the engine's set, a
 * pipeline naming another action is never {@code real} ({@code unknown} with the {@code model_prediction}
 * warning, the engine's evidence of an attack kept), the engine's best frame passes through, and a
 * single picture (no action asked) is judged without a motion check.
 */
class CheckableActionsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final byte[] FRAME = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00};

    /** An engine that checks {@code checkable} and answers {@code verdict}. */
    private static LivenessAnalyzer engine(Set<String> checkable, Verdict verdict) {
        return new LivenessAnalyzer() {
            @Override
            public Verdict analyze(Attempt attempt) {
                return verdict;
            }

            @Override
            public Set<String> checkableActions() {
                return checkable;
            }
        };
    }

    private static ObjectNode honest(List<List<String>> pipeline) {
        ObjectNode meta = Json.mapper().createObjectNode().put("mobile", true).put("camera_label", "FaceTime HD Camera");
        ArrayNode actions = meta.putArray("actions");
        Instant t = T0.plusMillis(500);
        for (List<String> group : pipeline) {
            for (String action : group) {
                actions.addObject().put("action", action).put("started_at", t.toString())
                        .put("ended_at", t.plusMillis(1500).toString());
                t = t.plusMillis(2000);
            }
        }
        return meta;
    }

    private static Attempt attempt(List<List<String>> pipeline, ObjectNode meta) {
        return new Attempt("acme", "person-0001", "01KMWYGEEVW2TH4Q4SFFFFFFF5-S", pipeline, meta, List.of(FRAME, FRAME, FRAME),
                false, T0.plusSeconds(20), T0.minusSeconds(5), true, 1);
    }

    private static final Verdict REAL_FRAME_2 = new Verdict("real", List.of(), List.of(), 2);

    @Test
    void theRulesExposeTheEnginesCheckableActionsAndEveryActionWithoutAnEngine() {
        assertThat(new RulesLivenessAnalyzer(engine(Set.of("blink"), REAL_FRAME_2), 10).checkableActions())
                .containsExactly("blink");
        assertThat(new RulesLivenessAnalyzer(null, 10).checkableActions()).isEqualTo(LivenessAnalyzer.ACTIONS);
    }

    @Test
    void aCheckablePipelineKeepsTheEnginesVerdictAndBestFrame() throws Exception {
        List<List<String>> pipeline = List.of(List.of("turn-left"), List.of("blink"));
        Verdict v = new RulesLivenessAnalyzer(engine(Set.of("turn-left", "blink"), REAL_FRAME_2), 10)
                .analyze(attempt(pipeline, honest(pipeline)));
        assertThat(v).isEqualTo(REAL_FRAME_2);
    }

    @Test
    void anUncheckableActionMakesRealUnknownWithAWarningAndKeepsTheBestFrame() throws Exception {
        List<List<String>> pipeline = List.of(List.of("turn-left"), List.of("tongue-out"));
        Verdict v = new RulesLivenessAnalyzer(engine(Set.of("turn-left"), REAL_FRAME_2), 10)
                .analyze(attempt(pipeline, honest(pipeline)));
        assertThat(v.serviceStatus()).isEqualTo("unknown");
        assertThat(v.warnings()).containsExactly(RulesLivenessAnalyzer.UNCHECKED_ACTION_WARNING);
        assertThat(v.bestFrame()).isEqualTo(2);
        assertThat(RulesLivenessAnalyzer.uncheckedActions(pipeline, Set.of("turn-left"))).containsExactly("tongue-out");
    }

    @Test
    void theEnginesAttackStandsWithTheWarning() throws Exception {
        List<List<String>> pipeline = List.of(List.of("tongue-out"));
        Verdict attack = new Verdict("attack", List.of("no_face"), List.of("closed_eyes"));
        Verdict v = new RulesLivenessAnalyzer(engine(Set.of("blink"), attack), 10).analyze(attempt(pipeline, honest(pipeline)));
        assertThat(v.serviceStatus()).isEqualTo("attack");
        assertThat(v.errorCodes()).containsExactly("no_face");
        assertThat(v.warnings()).containsExactly("closed_eyes", "model_prediction");
    }

    @Test
    void aRuleFailureWinsOverAnUncheckableAction() throws Exception {
        List<List<String>> pipeline = List.of(List.of("tongue-out"));
        ObjectNode meta = honest(pipeline).put("camera_label", "OBS Virtual Camera");
        Verdict v = new RulesLivenessAnalyzer(engine(Set.of("blink"), REAL_FRAME_2), 10).analyze(attempt(pipeline, meta));
        assertThat(v.serviceStatus()).isEqualTo("attack");
        assertThat(v.errorCodes()).containsExactly("virtual_camera_risk");
    }

    @Test
    void aSinglePictureAsksForNoMotionButItsReportedTimesMustLieWithinTheSession() throws Exception {
        RulesLivenessAnalyzer rules = new RulesLivenessAnalyzer(engine(Set.of(), REAL_FRAME_2), 10);
        assertThat(rules.analyze(attempt(List.of(), Json.mapper().createObjectNode().put("mobile", true))).serviceStatus())
                .as("no actions reported at all").isEqualTo("real");
        assertThat(rules.analyze(attempt(List.of(), honest(List.of(List.of("turn-straight"))))).serviceStatus())
                .as("the page's own 'look straight' prompt").isEqualTo("real");
        ObjectNode old = honest(List.of(List.of("turn-straight")));
        ((ObjectNode) old.get("actions").get(0)).put("started_at", T0.minusSeconds(3600).toString());
        Verdict replay = rules.analyze(attempt(List.of(), old));
        assertThat(replay.serviceStatus()).isEqualTo("attack");
        assertThat(replay.errorCodes()).containsExactly("motion_inconsistency");
    }
}
