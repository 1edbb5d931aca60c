package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.FaceMatcher;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * A face engine for tests, decided by the pictures it is shown: a "face" is a large block of one
 * saturated colour on a {@link #BACKGROUND}, and a person is a colour. {@link #picture} draws them; the
 * matcher counts the blocks (several colours, several faces; the background alone, no face) and makes a
 * template of the face's mean colour, so the same colour in another place or size is the same person
 * ({@link #similarity} near 1) and another colour another person (about 0.4). Colours sit in the middle
 * of {@link #LEVEL}-wide bands, so JPEG's noise never moves a pixel into another band.
 */
final class ColourFaces implements FaceMatcher {
    static final Color BACKGROUND = new Color(96, 96, 96);
    static final Color RED = new Color(224, 32, 32);
    static final Color BLUE = new Color(32, 32, 224);
    static final Color GREEN = new Color(32, 224, 32);
    static final Color YELLOW = new Color(224, 224, 32);
    private static final int LEVEL = 64;
    /** A band counts as a face when it covers this share of the picture. */
    private static final double FACE_SHARE = 0.03;

    final AtomicInteger calls = new AtomicInteger();

    @Override
    public String model() {
        return "colour-faces@1";
    }

    @Override
    public FaceFound face(byte[] image) throws IOException {
        calls.incrementAndGet();
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(image));
        if (picture == null) {
            throw new IOException("not a picture");
        }
        Map<Integer, long[]> bands = new HashMap<>();
        int background = band(BACKGROUND.getRGB());
        for (int y = 0; y < picture.getHeight(); y++) {
            for (int x = 0; x < picture.getWidth(); x++) {
                int rgb = picture.getRGB(x, y);
                int band = band(rgb);
                if (band == background) {
                    continue;
                }
                long[] sum = bands.computeIfAbsent(band, b -> new long[4]);
                sum[0]++;
                sum[1] += (rgb >> 16) & 0xff;
                sum[2] += (rgb >> 8) & 0xff;
                sum[3] += rgb & 0xff;
            }
        }
        long pixels = (long) picture.getWidth() * picture.getHeight();
        List<long[]> faces = new ArrayList<>();
        bands.values().stream().filter(s -> s[0] >= pixels * FACE_SHARE).forEach(faces::add);
        if (faces.size() != 1) {
            return new FaceFound(faces.size(), null);
        }
        long[] s = faces.get(0);
        return new FaceFound(1, new byte[] {(byte) (s[1] / s[0]), (byte) (s[2] / s[0]), (byte) (s[3] / s[0])});
    }

    @Override
    public double similarity(byte[] template, byte[] other) {
        double d = 0;
        for (int i = 0; i < 3; i++) {
            double diff = (template[i] & 0xff) - (other[i] & 0xff);
            d += diff * diff;
        }
        return 1 - Math.sqrt(d) / Math.sqrt(3 * 255.0 * 255.0);
    }

    @Override
    public double threshold() {
        return 0.9;
    }

    private static int band(int rgb) {
        return (((rgb >> 16) & 0xff) / LEVEL) * 16 + (((rgb >> 8) & 0xff) / LEVEL) * 4 + ((rgb & 0xff) / LEVEL);
    }

    /** A 320×240 JPEG with one face per colour, side by side; {@code size} 1 is a large face, 0.5 half as tall. */
    static byte[] picture(double size, Color... faces) {
        return encode(draw(size, faces), "jpg");
    }

    static byte[] picture(Color... faces) {
        return picture(1, faces);
    }

    /** The same as a PNG. */
    static byte[] png(Color... faces) {
        return encode(draw(1, faces), "png");
    }

    private static BufferedImage draw(double size, Color... faces) {
        BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, 320, 240);
        int width = 320 / Math.max(1, faces.length);
        int h = (int) (160 * size);
        for (int i = 0; i < faces.length; i++) {
            g.setColor(faces[i]);
            g.fillRect(i * width + width / 6, (240 - h) / 2, width * 2 / 3, h);
        }
        g.dispose();
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertThat(ImageIO.write(image, format, out)).isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
