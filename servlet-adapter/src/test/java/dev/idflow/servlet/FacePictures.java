package dev.idflow.servlet;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Real face pictures of Debian's facedetect and opencv-doc packages (.ci/run installs them; face/MODELS.md
 * says why they are not committed), placed into camera frames. A missing package skips the test, and
 * fails it under CI=true.
 */
final class FacePictures {
    /** Grace Hopper, straight on; her face about 210 px, centred near (265, 215). */
    static final Path GRACE_HOPPER = Path.of("/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg");
    /** A block of ice on a beach: no face. */
    static final Path ICE_BLOCK = Path.of("/usr/share/doc/facedetect/examples/640px-IceBlockNearJoekullsarlon.jpg");
    /** A man, straight on; his face about 160 px, centred near (160, 140). */
    static final Path MAN = Path.of("/usr/share/doc/opencv-doc/opencv4/html/face_swapped.jpg");

    private static final java.util.Map<Path, BufferedImage> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private FacePictures() {
    }

    /** The picture (read once; treat it as read-only). */
    static BufferedImage load(Path path) {
        BufferedImage loaded = LOADED.get(path);
        if (loaded != null) {
            return loaded;
        }
        if (!Files.isRegularFile(path)) {
            String message = path + " is missing: apt-get install facedetect opencv-doc (.ci/run does)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
        try {
            BufferedImage image = ImageIO.read(path.toFile());
            LOADED.put(path, image);
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code w × h} frame: the picture scaled about (cx, cy), placed at the centre shifted by (dx, dy), on grey. */
    static BufferedImage place(BufferedImage picture, int w, int h, double cx, double cy, double scale, double dx, double dy) {
        BufferedImage frame = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        g.setColor(new Color(120, 120, 120));
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        AffineTransform t = new AffineTransform();
        t.translate(w / 2.0 + dx, h / 2.0 + dy);
        t.scale(scale, scale);
        t.translate(-cx, -cy);
        g.drawImage(picture, t, null);
        g.dispose();
        return frame;
    }

    /** Grace Hopper's face {@code size} px tall in a 640 × 480 frame. */
    static BufferedImage graceAt(double size) {
        return place(load(GRACE_HOPPER), 640, 480, 265, 215, size / 210, 0, 10);
    }

    static byte[] jpeg(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
