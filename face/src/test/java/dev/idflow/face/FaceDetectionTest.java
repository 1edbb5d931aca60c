package dev.idflow.face;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The detector and the pose on real pictures (TestPictures) and their mirror images. */
class FaceDetectionTest {
    private final FaceEngine engine = FaceEngine.shared();

    private List<FaceEngine.Box> faces(BufferedImage image) throws Exception {
        return OnnxLivenessAnalyzer.counted(engine.detect(Picture.decode(TestPictures.jpeg(image))));
    }

    private FaceEngine.Face one(BufferedImage image) throws Exception {
        Picture picture = Picture.decode(TestPictures.jpeg(image));
        List<FaceEngine.Box> boxes = OnnxLivenessAnalyzer.counted(engine.detect(picture));
        assertThat(boxes).hasSize(1);
        return engine.read(picture, boxes.get(0), false);
    }

    @Test
    void aFaceIsFoundWithItsBox() throws Exception {
        List<FaceEngine.Box> boxes = faces(TestPictures.load(TestPictures.GRACE_HOPPER));
        assertThat(boxes).hasSize(1);
        FaceEngine.Box box = boxes.get(0);
        // her face spans roughly x 160–370, y 110–320 of the 512 × 512 picture
        assertThat(box.x()).isBetween(120f, 200f);
        assertThat(box.y()).isBetween(70f, 150f);
        assertThat(box.size()).isBetween(170f, 250f);
        assertThat(box.score()).isGreaterThan(0.9f);
        FaceEngine.Face face = engine.read(Picture.decode(TestPictures.jpeg(TestPictures.load(TestPictures.GRACE_HOPPER))), box, true);
        // the nose tip inside the box's middle third, eyes open, the embedding unit length
        assertThat(face.points()[60]).isBetween(box.x() + box.size() / 3, box.x() + 2 * box.size() / 3);
        assertThat(face.eyesOpen()).isTrue();
        double norm = 0;
        for (float v : face.embedding()) {
            norm += v * v;
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void noFaceInAFacelessPicture() throws Exception {
        assertThat(faces(TestPictures.load(TestPictures.ICE_BLOCK))).isEmpty();
    }

    @Test
    void severalFacesAreCounted() throws Exception {
        assertThat(faces(TestPictures.load(TestPictures.FOUR_FACES))).hasSize(4);
        BufferedImage two = TestPictures.sideBySide(TestPictures.load(TestPictures.GRACE_HOPPER),
                TestPictures.load(TestPictures.MAN), 480);
        assertThat(faces(two)).hasSize(2);
    }

    @Test
    void eachPictureOfAFaceCountsOneFace() throws Exception {
        for (var path : List.of(TestPictures.GRACE_HOPPER, TestPictures.MAN, TestPictures.LENA, TestPictures.JULIA, TestPictures.MESSI)) {
            assertThat(faces(TestPictures.load(path))).as(path.toString()).hasSize(1);
        }
    }

    @Test
    void yawHasTheSignOfTheTurnAndMirrorsFlipIt() throws Exception {
        // turned to their own left (the nose toward the picture's right), and to their own right
        for (var path : List.of(TestPictures.LENA)) {
            BufferedImage image = TestPictures.load(path);
            assertThat(one(image).yaw()).as(path + " turned to her left").isGreaterThan(0.05f);
            assertThat(one(TestPictures.mirror(image)).yaw()).as(path + " mirrored").isLessThan(-0.05f);
        }
        for (var path : List.of(TestPictures.JULIA, TestPictures.MAN)) {
            BufferedImage image = TestPictures.load(path);
            assertThat(one(image).yaw()).as(path + " turned to the right").isLessThan(-0.05f);
            assertThat(one(TestPictures.mirror(image)).yaw()).as(path + " mirrored").isGreaterThan(0.05f);
        }
        // straight on stays straight on, mirrored or not
        BufferedImage grace = TestPictures.load(TestPictures.GRACE_HOPPER);
        assertThat(Math.abs(one(grace).yaw())).isLessThan(OnnxLivenessAnalyzer.STRAIGHT);
        assertThat(Math.abs(one(TestPictures.mirror(grace)).yaw())).isLessThan(OnnxLivenessAnalyzer.STRAIGHT);
    }

    /**
     * The installed pictures hold no one person looking up and down, so the pitch's sign is not shown here
     * (MODELS.md says so); what is shown: a mirror keeps pitch, and a roll of the whole picture keeps
     * pitch and yaw (the pose is measured along the eyes' line, whatever its angle).
     */
    @Test
    void pitchAndYawIgnoreMirrorAndRoll() throws Exception {
        for (var path : List.of(TestPictures.GRACE_HOPPER, TestPictures.MAN, TestPictures.JULIA, TestPictures.LENA)) {
            BufferedImage image = TestPictures.load(path);
            FaceEngine.Face level = one(image);
            assertThat(one(TestPictures.mirror(image)).pitch()).as(path + " mirrored")
                    .isCloseTo(level.pitch(), org.assertj.core.data.Offset.offset(0.05f));
            FaceEngine.Box box = level.box();
            FaceEngine.Face rolled = one(TestPictures.frame(image, 640, 480, box.cx(), box.cy(), 250.0 / box.size(), 0, 0, 15, 1f));
            assertThat(rolled.pitch()).as(path + " rolled").isCloseTo(level.pitch(), org.assertj.core.data.Offset.offset(0.06f));
            assertThat(rolled.yaw()).as(path + " rolled").isCloseTo(level.yaw(), org.assertj.core.data.Offset.offset(0.06f));
            assertThat(rolled.roll() - level.roll()).as(path + " roll").isCloseTo(15f, org.assertj.core.data.Offset.offset(5f));
        }
    }
}
