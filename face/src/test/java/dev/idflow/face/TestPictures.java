package dev.idflow.face;

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
import org.junit.jupiter.api.Assumptions;

/**
 * The real face pictures of Debian's {@code facedetect} and {@code opencv-doc} packages (.ci/run installs
 * them; MODELS.md says why they are not committed), and the transformed copies tests make of them.
 * Without CI=true a missing package skips the test; under CI=true it fails it.
 */
public final class TestPictures {
    static final Path FACEDETECT = Path.of("/usr/share/doc/facedetect/examples");
    static final Path OPENCV_HTML = Path.of("/usr/share/doc/opencv-doc/opencv4/html");
    static final Path OPENCV_DATA = Path.of("/usr/share/doc/opencv-doc/examples/data");

    /** Grace Hopper, straight on (facedetect). */
    public static final Path GRACE_HOPPER = FACEDETECT.resolve("grace_hopper_512x512.jpg");
    /** A block of ice on a beach: no face (facedetect). */
    public static final Path ICE_BLOCK = FACEDETECT.resolve("640px-IceBlockNearJoekullsarlon.jpg");
    /** A man, straight on (opencv-doc). */
    public static final Path MAN = OPENCV_HTML.resolve("face_swapped.jpg");
    /** A woman turned a little to her own left (opencv-doc's face-detection sample; a box drawn on it). */
    public static final Path LENA = OPENCV_HTML.resolve("faceDetection.png");
    /** A woman turned a little to her own right (opencv-doc). */
    public static final Path JULIA = OPENCV_HTML.resolve("julia_facedetect_sample.jpg");
    /** Four faces in a 2 × 2 grid, landmarks drawn on them (opencv-doc). */
    public static final Path FOUR_FACES = OPENCV_HTML.resolve("facereg.jpg");
    /** A footballer looking down at the ball (opencv-doc). */
    public static final Path MESSI = OPENCV_DATA.resolve("messi5.jpg");

    private TestPictures() {
    }

    /** The picture, or the test skipped (failed under CI=true) when its Debian package is missing. */
    public static BufferedImage load(Path path) {
        if (!Files.isRegularFile(path)) {
            String message = path + " is missing: apt-get install facedetect opencv-doc (.ci/run does)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(message);
            }
            Assumptions.abort(message); // a developer's machine without the pictures; CI fails above
        }
        try {
            BufferedImage image = ImageIO.read(path.toFile());
            return rgb(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BufferedImage rgb(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image, 0, 0, Color.WHITE, null);
        g.dispose();
        return out;
    }

    public static byte[] jpeg(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The picture mirrored left to right. */
    public static BufferedImage mirror(BufferedImage image) {
        AffineTransform t = new AffineTransform(-1, 0, 0, 1, image.getWidth(), 0);
        return transform(image, t, image.getWidth(), image.getHeight(), 1f);
    }

    /**
     * A {@code width × height} frame showing the picture scaled by {@code scale} about its point (cx, cy)
     * placed at the frame's centre plus (dx, dy), rotated by {@code degrees}, its brightness times
     * {@code brightness}; the rest of the frame grey.
     */
    public static BufferedImage frame(BufferedImage image, int width, int height, double cx, double cy, double scale,
                                      double dx, double dy, double degrees, float brightness) {
        AffineTransform t = new AffineTransform();
        t.translate(width / 2.0 + dx, height / 2.0 + dy);
        t.rotate(Math.toRadians(degrees));
        t.scale(scale, scale);
        t.translate(-cx, -cy);
        return transform(image, t, width, height, brightness);
    }

    static BufferedImage transform(BufferedImage image, AffineTransform t, int width, int height, float brightness) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(128, 128, 128));
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(image, t, null);
        g.dispose();
        if (brightness != 1f) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = out.getRGB(x, y);
                    int r = Math.min(255, Math.round(((p >> 16) & 0xff) * brightness));
                    int gr = Math.min(255, Math.round(((p >> 8) & 0xff) * brightness));
                    int b = Math.min(255, Math.round((p & 0xff) * brightness));
                    out.setRGB(x, y, (r << 16) | (gr << 8) | b);
                }
            }
        }
        return out;
    }

    /** The region (x, y, w, h) of the picture. */
    public static BufferedImage crop(BufferedImage image, int x, int y, int w, int h) {
        return rgb(image.getSubimage(x, y, w, h));
    }

    /** Two pictures side by side on one canvas, each scaled to {@code height}. */
    public static BufferedImage sideBySide(BufferedImage left, BufferedImage right, int height) {
        int lw = left.getWidth() * height / left.getHeight();
        int rw = right.getWidth() * height / right.getHeight();
        BufferedImage out = new BufferedImage(lw + rw, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(left, 0, 0, lw, height, null);
        g.drawImage(right, lw, 0, rw, height, null);
        g.dispose();
        return out;
    }
}
