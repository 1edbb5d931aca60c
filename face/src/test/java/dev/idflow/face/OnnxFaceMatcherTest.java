package dev.idflow.face;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.spi.FaceMatcher;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same face, transformed, above the threshold; different people below it (the pictures of TestPictures). */
class OnnxFaceMatcherTest {
    private static final OnnxFaceMatcher MATCHER = new OnnxFaceMatcher();
    private static final Map<String, byte[]> ORIGINALS = new LinkedHashMap<>();
    private static final Map<String, List<byte[]>> TRANSFORMED = new LinkedHashMap<>();

    @BeforeAll
    static void templates() throws Exception {
        Map<String, Path> people = new LinkedHashMap<>();
        people.put("grace", TestPictures.GRACE_HOPPER);
        people.put("man", TestPictures.MAN);
        people.put("lena", TestPictures.LENA);
        people.put("julia", TestPictures.JULIA);
        for (var e : people.entrySet()) {
            BufferedImage image = TestPictures.load(e.getValue());
            ORIGINALS.put(e.getKey(), template(image));
            FaceEngine.Box box = FaceEngine.shared().detect(Picture.of(image)).get(0);
            double s = 200.0 / box.size();
            List<byte[]> t = new ArrayList<>();
            // scaled, shifted, slightly rotated, brighter, darker
            t.add(template(TestPictures.frame(image, 640, 480, box.cx(), box.cy(), s, 0, 0, 0, 1f)));
            t.add(template(TestPictures.frame(image, 640, 480, box.cx(), box.cy(), s * 1.5, 60, -30, 0, 1f)));
            t.add(template(TestPictures.frame(image, 640, 480, box.cx(), box.cy(), s * 0.7, -80, 40, 8, 1f)));
            t.add(template(TestPictures.frame(image, 640, 480, box.cx(), box.cy(), s, 0, 0, -8, 1.3f)));
            t.add(template(TestPictures.frame(image, 640, 480, box.cx(), box.cy(), s, 0, 0, 0, 0.7f)));
            TRANSFORMED.put(e.getKey(), t);
        }
    }

    private static byte[] template(BufferedImage image) throws Exception {
        FaceMatcher.FaceFound found = MATCHER.face(TestPictures.jpeg(image));
        assertThat(found.faces()).isEqualTo(1);
        return found.template();
    }

    @Test
    void theSameFaceTransformedIsAboveTheThreshold() {
        for (var e : TRANSFORMED.entrySet()) {
            for (byte[] t : e.getValue()) {
                assertThat(MATCHER.similarity(ORIGINALS.get(e.getKey()), t)).as(e.getKey())
                        .isGreaterThanOrEqualTo(MATCHER.threshold());
            }
        }
    }

    @Test
    void differentPeopleAreBelowTheThreshold() {
        for (var a : TRANSFORMED.keySet()) {
            for (var b : TRANSFORMED.keySet()) {
                if (a.equals(b)) {
                    continue;
                }
                for (byte[] x : TRANSFORMED.get(a)) {
                    assertThat(MATCHER.similarity(ORIGINALS.get(b), x)).as(a + " vs " + b)
                            .isLessThan(MATCHER.threshold())
                            // and below the stricter session threshold the analyzer uses between frames
                            .isLessThan(OnnxFaceMatcher.SESSION_THRESHOLD);
                }
            }
        }
    }

    @Test
    void searchFindsThePersonAmongOthers() {
        List<FaceMatcher.Candidate> candidates = new ArrayList<>();
        ORIGINALS.forEach((name, t) -> candidates.add(new FaceMatcher.Candidate(name, t)));
        for (var e : TRANSFORMED.entrySet()) {
            List<FaceMatcher.Match> matches = MATCHER.search(e.getValue().get(2), candidates, MATCHER.threshold());
            assertThat(matches).extracting(FaceMatcher.Match::id).containsExactly(e.getKey());
        }
    }

    @Test
    void facesAreCountedAndATemplateComesOnlyWithOne() throws Exception {
        assertThat(MATCHER.face(TestPictures.jpeg(TestPictures.load(TestPictures.ICE_BLOCK))))
                .satisfies(f -> assertThat(f.faces()).isZero()).satisfies(f -> assertThat(f.template()).isNull());
        BufferedImage two = TestPictures.sideBySide(TestPictures.load(TestPictures.GRACE_HOPPER),
                TestPictures.load(TestPictures.MAN), 480);
        assertThat(MATCHER.face(TestPictures.jpeg(two)).faces()).isEqualTo(2);
        assertThat(MATCHER.face(TestPictures.jpeg(TestPictures.load(TestPictures.FOUR_FACES))).faces()).isEqualTo(4);
        assertThat(MATCHER.model()).contains(FaceEngine.MODELS);
    }

    @Test
    void aTemplateIsOnlyThisModelsBytes() {
        byte[] grace = ORIGINALS.get("grace");
        assertThat(grace).hasSize(2052);
        assertThat(MATCHER.similarity(grace, grace)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThatThrownBy(() -> MATCHER.similarity(grace, new byte[10])).isInstanceOf(IllegalArgumentException.class);
        byte[] retagged = grace.clone();
        retagged[0] ^= 1;
        assertThatThrownBy(() -> MATCHER.similarity(grace, retagged)).isInstanceOf(IllegalArgumentException.class);
    }
}
