package dev.idflow.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.api.ApiException;
import dev.idflow.core.api.RetryLater;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Liveness frames are judged by their header before any pixel is decoded: decompression bombs are
 * refused from their first bytes, in milliseconds and without a decode; real frames decode once.
 */
class FrameImagesTest {
    private final FrameImages images = new FrameImages(2, Duration.ofMillis(200));

    /** A PNG whose header claims width × height, with a few KB of zlib zeros as its only pixel data. */
    static byte[] pngBomb(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, no filter, no interlace
        chunk(png, "IHDR", ihdr.toByteArray());
        ByteArrayOutputStream zeros = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(zeros)) {
            z.write(new byte[1 << 20]); // 1 MB of zeros deflate to about 1 KB
        }
        chunk(png, "IDAT", zeros.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    /** A real small JPEG whose start of frame is patched to declare width × height. */
    static byte[] jpegBomb(int width, int height) throws IOException {
        byte[] jpeg = picture(64, 48, "jpg");
        for (int i = 2; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xff) == 0xFF && ((jpeg[i + 1] & 0xff) == 0xC0 || (jpeg[i + 1] & 0xff) == 0xC2)) {
                jpeg[i + 5] = (byte) (height >> 8);
                jpeg[i + 6] = (byte) height;
                jpeg[i + 7] = (byte) (width >> 8);
                jpeg[i + 8] = (byte) width;
                return jpeg;
            }
        }
        throw new IllegalStateException("no start of frame in the JPEG ImageIO wrote");
    }

    static byte[] picture(int width, int height, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(90, 120, 160));
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(224, 172, 105));
        g.fillOval(width / 3, height / 6, width / 3, height * 2 / 3);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    @Test
    void aPngBombOf40000By40000IsRefusedFromItsHeaderWithoutADecode() throws Exception {
        byte[] bomb = pngBomb(40_000, 40_000);
        long started = System.nanoTime();

        assertThatThrownBy(() -> images.header(0, bomb)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(422))
                .hasMessageStartingWith("frame[0]: declares 40000x40000 pixels")
                .hasMessageContaining("at most " + FrameImages.MAX_FRAME_PIXELS + " pixels");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(images.decodesStarted()).isZero();
    }

    @Test
    void aPngOf20000By20000IsRefusedToo() throws Exception {
        assertThatThrownBy(() -> images.header(3, pngBomb(20_000, 20_000)))
                .hasMessageStartingWith("frame[3]: declares 20000x20000 pixels");
        assertThat(images.decodesStarted()).isZero();
    }

    @Test
    void aJpegWhoseStartOfFrameClaimsAbsurdDimensionsIsRefusedWithoutADecode() throws Exception {
        assertThatThrownBy(() -> images.header(1, jpegBomb(65_000, 65_000)))
                .isInstanceOf(ApiException.class).hasMessageStartingWith("frame[1]: declares 65000x65000 pixels");
        assertThatThrownBy(() -> images.header(1, jpegBomb(60_000, 2)))
                .as("a strip within the pixel budget but no camera still").hasMessageContaining("sides of at most");
        assertThat(images.decodesStarted()).isZero();
    }

    @Test
    void framesWithinTheFrameBudgetButOverTheAttemptBudgetAreRefusedByTheFrameThatCrossesIt() throws Exception {
        FrameImages.Frame big = images.header(0, pngBomb(4096, 4096));
        long total = FrameImages.addToAttempt(0, big);
        total = FrameImages.addToAttempt(total, images.header(1, pngBomb(4096, 4096)));
        long before = total;

        assertThatThrownBy(() -> FrameImages.addToAttempt(before, images.header(2, pngBomb(4096, 4096))))
                .isInstanceOf(ApiException.class)
                .hasMessageStartingWith("frame[2]: the frames of one attempt may have at most "
                        + FrameImages.MAX_ATTEMPT_PIXELS + " pixels together");
        assertThat(images.decodesStarted()).isZero();
    }

    @Test
    void aNormal640By480FramePassesAndDecodesOnce() throws Exception {
        byte[] jpeg = picture(640, 480, "jpg");
        FrameImages.Frame frame = images.header(0, jpeg);
        assertThat(frame.width()).isEqualTo(640);
        assertThat(frame.height()).isEqualTo(480);

        assertThat(images.bestframeJpeg(frame)).as("a JPEG bestframe is kept as sent").isEqualTo(jpeg);
        assertThat(images.decodesStarted()).isEqualTo(1);
    }

    @Test
    void aPngBestframeBecomesAJpegOfTheSameSizeFromItsOneDecode() throws Exception {
        FrameImages.Frame frame = images.header(0, picture(640, 480, "png"));

        byte[] jpeg = images.bestframeJpeg(frame);

        assertThat(FileTypes.sniff(jpeg)).isEqualTo(FileTypes.JPEG);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertThat(decoded.getWidth()).isEqualTo(640);
        assertThat(decoded.getHeight()).isEqualTo(480);
        assertThat(images.decodesStarted()).isEqualTo(1);
    }

    @Test
    void aBombWithinTheBudgetIsDecodedSubsampledAndRefusedAsTruncated() throws Exception {
        // 4096 × 4096 declared, 1 KB of data: within budget, so decoded, but at no more than a megapixel
        FrameImages.Frame frame = images.header(0, pngBomb(4096, 4096));
        assertThat(FrameImages.subsampling(frame.pixels(), FrameImages.CHECK_PIXELS)).isEqualTo(4);

        assertThatThrownBy(() -> images.check(frame)).isInstanceOf(ApiException.class)
                .hasMessageStartingWith("frame[0]: must be a JPEG or PNG image");
    }

    @Test
    void malformedTruncatedAndNonImagesAre422NeverAnotherError() throws Exception {
        byte[] png = picture(640, 480, "png");
        byte[] jpeg = picture(640, 480, "jpg");
        byte[][] junk = {
                "just text".getBytes(StandardCharsets.UTF_8),
                new byte[0],
                Arrays.copyOf(png, 20), // the signature and half an IHDR
                Arrays.copyOf(jpeg, 4),
                {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x01, 0x02, 0x03},
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8)};
        for (byte[] bytes : junk) {
            assertThatThrownBy(() -> images.check(images.header(0, bytes))).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(422))
                    .hasMessageStartingWith("frame[0]: must be a JPEG or PNG image");
        }
        FrameImages.Frame halfPng = images.header(0, Arrays.copyOf(png, png.length / 2));
        assertThatThrownBy(() -> images.check(halfPng)).isInstanceOf(ApiException.class)
                .hasMessageContaining("truncated or malformed");
    }

    @Test
    void whenEveryDecodePermitIsBusyTheFrameIsRefusedWith429AndARetryAfter() throws Exception {
        FrameImages one = new FrameImages(1, Duration.ofMillis(100));
        FrameImages.Frame frame = one.header(0, picture(64, 48, "jpg"));
        one.permits().acquire();
        try {
            assertThatThrownBy(() -> one.check(frame)).isInstanceOf(RetryLater.class)
                    .satisfies(e -> assertThat(((RetryLater) e).status()).isEqualTo(429))
                    .satisfies(e -> assertThat(((RetryLater) e).seconds()).isPositive())
                    .hasMessageStartingWith("frame[0]: the server is busy");
        } finally {
            one.permits().release();
        }
        one.check(frame); // the permit back, the same frame decodes
        assertThat(one.decodesStarted()).isEqualTo(1);
    }
}
