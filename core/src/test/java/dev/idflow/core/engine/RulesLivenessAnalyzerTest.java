package dev.idflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.LivenessAnalyzer.Attempt;
import dev.idflow.core.spi.LivenessAnalyzer.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * idflow's own liveness rules (PRODUCT.md, "Liveness analysis"): they decide only what they can really
 * check, and without face analysis plugged in the verdict of a clean attempt is {@code unknown}, never
 * {@code real}. No store, no HTTP: attempts are built here.
 */
class RulesLivenessAnalyzerTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    /** On the server's clock: the session was created shortly before the device began, the attempt arrived after. */
    private static final Instant SESSION_CREATED = T0.minusSeconds(5);
    private static final Instant RECEIVED = T0.plusSeconds(10);
    private static final List<List<String>> PIPELINE = List.of(List.of("turn-left"), List.of("smile"), List.of("blink"));
    private static final byte[] FRAME = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00};

    /** What an honest camera front end reports: each action asked, in order, 1.5 s each, one after the other. */
    private static ObjectNode honest(List<List<String>> pipeline) {
        ObjectNode meta = Json.mapper().createObjectNode().put("platform", "web").put("mobile", true)
                .put("camera_label", "FaceTime HD Camera").put("started_at", T0.toString());
        ArrayNode actions = meta.putArray("actions");
        Instant t = T0.plusMillis(500);
        for (List<String> group : pipeline) {
            for (String action : group) {
                actions.addObject().put("action", action).put("started_at", t.toString())
                        .put("ended_at", t.plusMillis(1500).toString());
                t = t.plusMillis(2000);
            }
        }
        return meta.put("ended_at", t.toString());
    }

    private static Attempt attempt(ObjectNode meta) {
        return attempt(meta, true, 1);
    }

    private static Attempt attempt(ObjectNode meta, boolean allowDesktop, int recentSessions) {
        return new Attempt("acme", "person-0001", "01KMWYGEEVW2TH4Q4SFFFFFFF5-S", PIPELINE, meta, List.of(FRAME),
                false, RECEIVED, SESSION_CREATED, allowDesktop, recentSessions);
    }

    private static ObjectNode action(ObjectNode meta, int index) {
        return (ObjectNode) meta.get("actions").get(index);
    }

    /** A face analysis that counts its calls and answers {@code status}. */
    private static final class Face implements LivenessAnalyzer {
        final AtomicInteger calls = new AtomicInteger();
        final Verdict verdict;

        Face(Verdict verdict) {
            this.verdict = verdict;
        }

        @Override
        public Verdict analyze(Attempt attempt) {
            calls.incrementAndGet();
            return verdict;
        }
    }

    private final RulesLivenessAnalyzer noFace = new RulesLivenessAnalyzer(null, 10);

    // ---------------------------------------------------------------- never invent real

    @Test
    void aCleanAttemptWithoutFaceAnalysisIsUnknownNeverReal() throws Exception {
        Verdict verdict = noFace.analyze(attempt(honest(PIPELINE)));
        assertThat(verdict.serviceStatus()).isEqualTo("unknown");
        assertThat(verdict.errorCodes()).isEmpty();
    }

    @Test
    void aCleanAttemptIsDecidedByThePluggedInFaceAnalysis() throws Exception {
        Face face = new Face(new Verdict("real", List.of(), List.of("closed_eyes")));
        Verdict verdict = new RulesLivenessAnalyzer(face, 10).analyze(attempt(honest(PIPELINE)));
        assertThat(verdict.serviceStatus()).isEqualTo("real");
        assertThat(verdict.warnings()).containsExactly("closed_eyes");
        assertThat(face.calls).hasValue(1);
    }

    @Test
    void aBrokenRuleIsAnAttackWithoutAskingTheFaceAnalysis() throws Exception {
        Face face = new Face(new Verdict("real", List.of(), List.of()));
        ObjectNode meta = honest(PIPELINE).put("camera_label", "OBS Virtual Camera");
        Verdict verdict = new RulesLivenessAnalyzer(face, 10).analyze(attempt(meta));
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("virtual_camera_risk");
        assertThat(face.calls).hasValue(0);
    }

    @Test
    void aFaceAnalysisThatAnswersNothingGivesNoVerdictRatherThanNone() throws Exception {
        Verdict verdict = new RulesLivenessAnalyzer(attempt -> null, 10).analyze(attempt(honest(PIPELINE)));
        assertThat(verdict).isNotNull();
        assertThat(verdict.serviceStatus()).isEqualTo("unknown");
    }

    @Test
    void aVerdictIsRealAttackOrUnknownOnly() {
        assertThatThrownBy(() -> new Verdict("pass", List.of(), List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Verdict(null, List.of(), List.of())).isInstanceOf(NullPointerException.class);
        assertThat(Verdict.unknown().serviceStatus()).isEqualTo("unknown");
    }

    // ---------------------------------------------------------------- virtual cameras

    @ParameterizedTest
    @ValueSource(strings = {"OBS Virtual Camera", "OBS-Camera", "obs", "ManyCam Virtual Webcam", "Snap Camera",
            "XSplit VCam", "DroidCam Source 3", "e2eSoft VCam", "SplitCam Video Driver", "CamTwist",
            "Iriun Webcam", "EpocCam Camera", "NDI Webcam Video 1", "Fake Webcam", "Dummy video device (v4l2loopback)",
            "mmhmm Camera", "Windows Virtual Camera", "YouCam 9"})
    void aCameraNamedLikeVirtualCameraSoftwareIsAVirtualCameraRisk(String label) throws Exception {
        Verdict verdict = noFace.analyze(attempt(honest(PIPELINE).put("camera_label", label)));
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("virtual_camera_risk");
    }

    @ParameterizedTest
    @ValueSource(strings = {"FaceTime HD Camera", "FaceTime HD Camera (Built-in)", "Integrated Camera",
            "Integrated Webcam", "HD Pro Webcam C920", "Logitech BRIO", "USB2.0 HD UVC WebCam", "camera2 1, facing front",
            "camera2 0, facing back", "Front Camera", "Back Dual Wide Camera", "Razer Kiyo", "Surface Camera Front",
            "HP TrueVision HD Camera", "Lenovo EasyCamera", "USB Video Device", "Microsoft LifeCam HD-3000",
            "Sony Handycam", "Windows Hello Camera", "Jabra PanaCast 20", ""})
    void anOrdinaryCameraIsNotSuspected(String label) throws Exception {
        Verdict verdict = noFace.analyze(attempt(honest(PIPELINE).put("camera_label", label)));
        assertThat(verdict.errorCodes()).isEmpty();
        assertThat(verdict.serviceStatus()).isEqualTo("unknown");
    }

    // ---------------------------------------------------------------- desktop, velocity

    @Test
    void aDesktopDeviceIsADesktopSessionOnlyWhereTheTemplateForbidsIt() throws Exception {
        ObjectNode desktop = honest(PIPELINE).put("mobile", false);
        assertThat(noFace.analyze(attempt(desktop, false, 1)).errorCodes()).containsExactly("desktop_session");
        assertThat(noFace.analyze(attempt(desktop, true, 1)).errorCodes()).isEmpty();
        ObjectNode unsaid = honest(PIPELINE);
        unsaid.remove("mobile");
        assertThat(noFace.analyze(attempt(unsaid, false, 1)).errorCodes()).as("nothing claimed, nothing decided")
                .isEmpty();
    }

    @Test
    void moreSessionsThanTheLimitWithinTheHourIsHighVelocity() throws Exception {
        RulesLivenessAnalyzer limited = new RulesLivenessAnalyzer(null, 3);
        assertThat(limited.analyze(attempt(honest(PIPELINE), true, 3)).errorCodes()).isEmpty();
        Verdict verdict = limited.analyze(attempt(honest(PIPELINE), true, 4));
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("high_velocity");
    }

    @Test
    void everyBrokenRuleIsReported() throws Exception {
        ObjectNode meta = honest(PIPELINE).put("camera_label", "ManyCam").put("mobile", false);
        meta.remove("actions");
        Verdict verdict = new RulesLivenessAnalyzer(null, 1).analyze(attempt(meta, false, 5));
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactlyInAnyOrder("high_velocity", "virtual_camera_risk",
                "desktop_session", "motion_inconsistency");
    }

    // ---------------------------------------------------------------- motion

    @Test
    void theRequestedActionsInOrderAtAHumanPaceAreConsistent() {
        assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, honest(PIPELINE))).isTrue();
        List<List<String>> grouped = List.of(List.of("turn-left", "smile"), List.of("blink"));
        assertThat(RulesLivenessAnalyzer.motionConsistent(grouped, honest(grouped))).isTrue();
        ObjectNode upper = honest(PIPELINE);
        action(upper, 1).put("action", "SMILE");
        assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, upper)).isTrue();
    }

    @Test
    void actionsOutOfOrderAreInconsistent() throws Exception {
        ObjectNode meta = honest(PIPELINE);
        action(meta, 0).put("action", "smile");
        action(meta, 1).put("action", "turn-left");
        Verdict verdict = noFace.analyze(attempt(meta));
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("motion_inconsistency");
    }

    @Test
    void actionsMissingOrExtraOrOtherThanAskedAreInconsistent() {
        ObjectNode missing = honest(PIPELINE);
        ((ArrayNode) missing.get("actions")).remove(2);
        ObjectNode extra = honest(PIPELINE);
        ((ArrayNode) extra.get("actions")).addObject().put("action", "zoom-in")
                .put("started_at", T0.plusSeconds(20).toString()).put("ended_at", T0.plusSeconds(22).toString());
        ObjectNode other = honest(PIPELINE);
        action(other, 2).put("action", "tongue-out");
        ObjectNode none = honest(PIPELINE);
        none.remove("actions");
        ObjectNode notAList = honest(PIPELINE).put("actions", "turn-left,smile,blink");

        for (ObjectNode meta : List.of(missing, extra, other, none, notAList)) {
            assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, meta)).as(meta.toString()).isFalse();
        }
    }

    @Test
    void actionsFasterThanAPersonCanMoveAreInconsistent() throws Exception {
        ObjectNode meta = honest(PIPELINE);
        Instant start = Instant.parse(action(meta, 1).get("started_at").asText());
        action(meta, 1).put("ended_at", start.plusMillis(120).toString());
        assertThat(noFace.analyze(attempt(meta)).errorCodes()).containsExactly("motion_inconsistency");

        ObjectNode allAtOnce = honest(PIPELINE);
        for (int i = 0; i < 3; i++) {
            action(allAtOnce, i).put("started_at", T0.toString()).put("ended_at", T0.plusMillis(10).toString());
        }
        assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, allAtOnce)).isFalse();
    }

    @Test
    void anActionStartingBeforeThePreviousEndedIsInconsistent() {
        ObjectNode meta = honest(PIPELINE);
        Instant previousEnd = Instant.parse(action(meta, 0).get("ended_at").asText());
        action(meta, 1).put("started_at", previousEnd.minusMillis(500).toString());
        assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, meta)).isFalse();
    }

    @Test
    void actionTimesThatAreNotTimesAreInconsistent() {
        List<ObjectNode> broken = new ArrayList<>();
        ObjectNode garbage = honest(PIPELINE);
        action(garbage, 0).put("started_at", "yesterday");
        broken.add(garbage);
        ObjectNode absent = honest(PIPELINE);
        action(absent, 2).remove("ended_at");
        broken.add(absent);
        ObjectNode backwards = honest(PIPELINE);
        Instant start = Instant.parse(action(backwards, 0).get("started_at").asText());
        action(backwards, 0).put("ended_at", start.minusSeconds(2).toString());
        broken.add(backwards);
        for (ObjectNode meta : broken) {
            assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, meta)).as(meta.toString()).isFalse();
        }
    }

    /** Shifts every action time of the device's report by {@code shift}. */
    private static ObjectNode shifted(ObjectNode meta, java.time.Duration shift) {
        for (int i = 0; i < meta.get("actions").size(); i++) {
            for (String field : List.of("started_at", "ended_at")) {
                action(meta, i).put(field, Instant.parse(action(meta, i).get(field).asText()).plus(shift).toString());
            }
        }
        return meta;
    }

    @Test
    void actionTimesTenYearsInThePastAreInconsistentThoughInOrderAndHumanlyPaced() throws Exception {
        ObjectNode replayed = shifted(honest(PIPELINE), java.time.Duration.ofDays(3653).negated());
        assertThat(RulesLivenessAnalyzer.motionConsistent(PIPELINE, replayed)).as("order and pace are fine").isTrue();

        Verdict verdict = noFace.analyze(attempt(replayed));

        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("motion_inconsistency");
    }

    @Test
    void actionTimesBeforeTheSessionExistedOrAfterTheAttemptArrivedAreInconsistent() throws Exception {
        java.time.Duration skew = RulesLivenessAnalyzer.CLOCK_SKEW;
        // the first action began before the session was created, beyond the skew allowance
        ObjectNode early = shifted(honest(PIPELINE), java.time.Duration.between(SESSION_CREATED, T0)
                .plus(skew).plusSeconds(1).negated());
        // the last action ended after the server received the attempt, beyond the skew allowance
        ObjectNode late = shifted(honest(PIPELINE), skew.plusSeconds(5));

        for (ObjectNode meta : List.of(early, late)) {
            assertThat(noFace.analyze(attempt(meta)).errorCodes()).as(meta.toString()).containsExactly("motion_inconsistency");
        }
    }

    @Test
    void aDeviceClockWithinTheSkewAllowanceIsStillAPerson() throws Exception {
        java.time.Duration within = RulesLivenessAnalyzer.CLOCK_SKEW.minusSeconds(20);
        assertThat(noFace.analyze(attempt(shifted(honest(PIPELINE), within))).serviceStatus()).isEqualTo("unknown");
        assertThat(noFace.analyze(attempt(shifted(honest(PIPELINE), within.negated()))).serviceStatus()).isEqualTo("unknown");
    }
}
