package dev.idflow.face;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.LivenessAnalyzer.Verdict;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Attempts built from real pictures (TestPictures), judged by the analyzer as the hosted page would send them. */
class OnnxLivenessAnalyzerTest {
    private static final OnnxLivenessAnalyzer ANALYZER = new OnnxLivenessAnalyzer();
    private static BufferedImage grace;
    private static FaceEngine.Box graceBox;

    @BeforeAll
    static void pictures() throws Exception {
        grace = TestPictures.load(TestPictures.GRACE_HOPPER);
        graceBox = FaceEngine.shared().detect(Picture.of(grace)).get(0);
    }

    /** Grace Hopper's face in a 640 × 480 frame, {@code size} pixels tall, shifted by (dx, dy). */
    private static BufferedImage graceAt(double size, double dx, double dy) {
        return TestPictures.frame(grace, 640, 480, graceBox.cx(), graceBox.cy(), size / graceBox.size(), dx, dy, 0, 1f);
    }

    /** Any picture's face in a 640 × 480 frame, about {@code size} pixels tall. */
    private static BufferedImage faceAt(BufferedImage image, double size) throws Exception {
        FaceEngine.Box box = FaceEngine.shared().detect(Picture.of(image)).get(0);
        return TestPictures.frame(image, 640, 480, box.cx(), box.cy(), size / box.size(), 0, 0, 0, 1f);
    }

    @Test
    void aZoomInZoomOutChallengeOfRealCropsIsReal() throws Exception {
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(210, 4, 2), graceAt(240, 6, 3), graceAt(260, 5, 4))
                .action("zoom-out", graceAt(230, 3, 2), graceAt(190, 0, 0), graceAt(160, -2, -1))
                .build());
        assertThat(verdict.serviceStatus()).as(verdict.toString()).isEqualTo("real");
        assertThat(verdict.errorCodes()).isEmpty();
        assertThat(verdict.bestFrame()).isBetween(0, 6);
    }

    @Test
    void aTurnToEachSideOfOneFaceIsReal() throws Exception {
        // the woman turned to her left, and the same picture mirrored: turned to her right
        BufferedImage left = faceAt(TestPictures.load(TestPictures.LENA), 200);
        BufferedImage right = TestPictures.mirror(left);
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(right)
                .action("turn-left", right, left)
                .action("turn-right", left, right)
                .build());
        assertThat(verdict.serviceStatus()).as(verdict.toString()).isEqualTo("real");
    }

    @Test
    void turnsInTheWrongDirectionAreNotSeen() throws Exception {
        BufferedImage left = faceAt(TestPictures.load(TestPictures.LENA), 200);
        BufferedImage right = TestPictures.mirror(left);
        // asked to turn right first, the face turned left
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(right)
                .action("turn-right", right, left)
                .action("turn-left", left, right)
                .build());
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("motion_inconsistency");
    }

    @Test
    void theSameStillPhotoForEveryActionIsNotReal() throws Exception {
        BufferedImage still = graceAt(200, 0, 0);
        for (List<String> pipeline : List.of(List.of("zoom-in", "zoom-out"), List.of("turn-left", "turn-right"),
                List.of("tilt-up", "shake"), List.of("smile", "open-mouth"), List.of("turn-straight", "tilt-down"))) {
            Attempts attempt = new Attempts().baseline(still);
            pipeline.forEach(a -> attempt.action(a, still, still, still));
            Verdict verdict = ANALYZER.analyze(attempt.build());
            assertThat(verdict.serviceStatus()).as(pipeline.toString()).isEqualTo("attack");
            assertThat(verdict.errorCodes()).as(pipeline.toString()).containsExactly("motion_inconsistency");
        }
    }

    @Test
    void framesWithNoFaceAreNoFace() throws Exception {
        BufferedImage ice = TestPictures.load(TestPictures.ICE_BLOCK);
        Verdict verdict = ANALYZER.analyze(new Attempts().baseline(ice).action("zoom-in", ice, ice).build());
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).contains("no_face");
        assertThat(verdict.bestFrame()).isNull();
        // one faceless frame among faces is enough
        Verdict one = ANALYZER.analyze(new Attempts().baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), ice).build());
        assertThat(one.errorCodes()).containsExactly("no_face");
    }

    @Test
    void aSecondPersonInOneFrameIsFaceMultiplicityFrame() throws Exception {
        BufferedImage two = TestPictures.sideBySide(graceAt(200, 0, 0).getSubimage(120, 0, 400, 480),
                TestPictures.load(TestPictures.MAN), 480);
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), two)
                .build());
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("face_multiplicity_frame");
    }

    @Test
    void twoPeopleAcrossFramesIsFaceMultiplicitySession() throws Exception {
        BufferedImage man = TestPictures.load(TestPictures.MAN);
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), faceAt(man, 260))
                .build());
        assertThat(verdict.serviceStatus()).isEqualTo("attack");
        assertThat(verdict.errorCodes()).containsExactly("face_multiplicity_session");
        // and whatever the pictures, each person alone passes the same session check
        BufferedImage julia = TestPictures.load(TestPictures.JULIA);
        Verdict swapped = ANALYZER.analyze(new Attempts()
                .baseline(faceAt(julia, 180))
                .action("zoom-in", faceAt(julia, 220), faceAt(TestPictures.load(TestPictures.LENA), 260))
                .build());
        assertThat(swapped.errorCodes()).containsExactly("face_multiplicity_session");
    }

    @Test
    void anActionNoModelSeesIsUnknownWithAWarning() throws Exception {
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), graceAt(250, 0, 0))
                .action("tongue-out", graceAt(250, 0, 0))
                .build());
        assertThat(verdict.serviceStatus()).isEqualTo("unknown");
        assertThat(verdict.warnings()).containsExactly("motion_inconsistency");
        assertThat(ANALYZER.checkableActions()).doesNotContain("tongue-out", "blink")
                .contains("zoom-in", "zoom-out", "turn-left", "turn-right");
        // blink is asked: nothing here can show it was seen, so never real
        BufferedImage still = graceAt(200, 0, 0);
        Verdict blink = ANALYZER.analyze(new Attempts().baseline(still).action("blink", still, still, still).build());
        assertThat(blink.serviceStatus()).isEqualTo("unknown");
        assertThat(blink.warnings()).containsExactly("motion_inconsistency");
        assertThat(LivenessAnalyzer.ACTIONS).containsAll(ANALYZER.checkableActions());
    }

    @Test
    void withoutFrameTimesNothingIsSeenSoNothingIsReal() throws Exception {
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), graceAt(250, 0, 0))
                .withoutFrameTimes()
                .build());
        assertThat(verdict.serviceStatus()).isEqualTo("unknown");
        assertThat(verdict.warnings()).containsExactly("motion_inconsistency");
    }

    @Test
    void turnStraightAloneProvesNoMovement() throws Exception {
        BufferedImage still = graceAt(200, 0, 0);
        Verdict verdict = ANALYZER.analyze(new Attempts().baseline(still).action("turn-straight", still, still).build());
        assertThat(verdict.serviceStatus()).isEqualTo("unknown");
    }

    @Test
    void theBestFrameIsStraightOnAndSharp() throws Exception {
        // a blurred straight-on frame and sharp ones: a sharp one is chosen
        BufferedImage blurred = blur(graceAt(200, 0, 0));
        Verdict verdict = ANALYZER.analyze(new Attempts()
                .baseline(blurred)
                .action("zoom-in", graceAt(240, 0, 0), graceAt(260, 0, 0))
                .build());
        assertThat(verdict.bestFrame()).isIn(1, 2);
        // a straight-on face is preferred to a turned one, however sharp
        BufferedImage lena = faceAt(TestPictures.load(TestPictures.LENA), 200);
        Verdict turned = ANALYZER.analyze(new Attempts().baseline(lena)
                .action("turn-straight", TestPictures.mirror(lena), blur(graceAt(200, 0, 0))).build());
        assertThat(turned.bestFrame()).isEqualTo(2);
    }

    @Test
    void attemptsAnalysedAtOnceGetTheVerdictsTheyGetAlone() throws Exception {
        OnnxLivenessAnalyzer oneAtATime = new OnnxLivenessAnalyzer(FaceEngine.shared(), 1, Duration.ofSeconds(60),
                OnnxFaceMatcher.SESSION_THRESHOLD);
        BufferedImage ice = TestPictures.load(TestPictures.ICE_BLOCK);
        LivenessAnalyzer.Attempt real = new Attempts().baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), graceAt(250, 0, 0)).build();
        LivenessAnalyzer.Attempt noFace = new Attempts().baseline(ice).action("zoom-in", ice).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Verdict>> verdicts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                final boolean even = i % 2 == 0;
                verdicts.add(pool.submit(() -> (even ? ANALYZER : oneAtATime).analyze(even ? real : noFace)));
            }
            for (int i = 0; i < verdicts.size(); i++) {
                assertThat(verdicts.get(i).get().serviceStatus()).isEqualTo(i % 2 == 0 ? "real" : "attack");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAttemptThatGetsNoTurnInTimeIsNoVerdictRatherThanAGuess() throws Exception {
        OnnxLivenessAnalyzer busy = new OnnxLivenessAnalyzer(FaceEngine.shared(), 1, Duration.ofMillis(50),
                OnnxFaceMatcher.SESSION_THRESHOLD);
        LivenessAnalyzer.Attempt attempt = new Attempts().baseline(graceAt(180, 0, 0))
                .action("zoom-in", graceAt(220, 0, 0), graceAt(250, 0, 0)).build();
        busy.permits().acquire();
        try {
            // the engine fails, not the person: VeriliveService makes an engine's failure "unknown"
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> busy.analyze(attempt))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("busy");
        } finally {
            busy.permits().release();
        }
        assertThat(busy.analyze(attempt).serviceStatus()).isEqualTo("real");
    }

    private static BufferedImage blur(BufferedImage image) {
        float[] k = new float[81];
        java.util.Arrays.fill(k, 1f / 81);
        return new java.awt.image.ConvolveOp(new java.awt.image.Kernel(9, 9, k), java.awt.image.ConvolveOp.EDGE_NO_OP, null)
                .filter(image, null);
    }
}
