package dev.idflow.face;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * A decoded picture as packed RGB, with the bilinear sampling the models' inputs are cut from. A frame is
 * decoded once, subsampled to at most {@link #MAX_PIXELS}: a face check needs no more, and so no upload
 * holds more than a few MB of raster here.
 */
final class Picture {
    /** The most pixels a picture is decoded at (about 1.2 Mpx: a 1280 × 960 frame is read whole). */
    static final int MAX_PIXELS = 1280 * 960;

    final int width;
    final int height;
    /** 0xRRGGBB per pixel, row by row. */
    final int[] rgb;

    Picture(int width, int height, int[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    static Picture of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        return new Picture(w, h, image.getRGB(0, 0, w, h, null, 0, w));
    }

    /** Decodes JPEG or PNG bytes (subsampled to at most {@link #MAX_PIXELS}). */
    static Picture decode(byte[] bytes) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a picture ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                int period = 1;
                while (pixels / ((long) period * period) > MAX_PIXELS) {
                    period++;
                }
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(period, period, 0, 0);
                BufferedImage image = reader.read(0, param);
                return of(image);
            } finally {
                reader.dispose();
            }
        }
    }

    /** The channel ({@code 0} red, {@code 1} green, {@code 2} blue) at (x, y), bilinear, edges clamped. */
    float sample(float x, float y, int channel) {
        int shift = 16 - 8 * channel;
        float fx = Math.max(0, Math.min(width - 1, x));
        float fy = Math.max(0, Math.min(height - 1, y));
        int x0 = (int) fx;
        int y0 = (int) fy;
        int x1 = Math.min(width - 1, x0 + 1);
        int y1 = Math.min(height - 1, y0 + 1);
        float ax = fx - x0;
        float ay = fy - y0;
        float p00 = (rgb[y0 * width + x0] >> shift) & 0xff;
        float p10 = (rgb[y0 * width + x1] >> shift) & 0xff;
        float p01 = (rgb[y1 * width + x0] >> shift) & 0xff;
        float p11 = (rgb[y1 * width + x1] >> shift) & 0xff;
        return (p00 * (1 - ax) + p10 * ax) * (1 - ay) + (p01 * (1 - ax) + p11 * ax) * ay;
    }

    /** Luma (0…255) at (x, y), bilinear. */
    float gray(float x, float y) {
        return 0.299f * sample(x, y, 0) + 0.587f * sample(x, y, 1) + 0.114f * sample(x, y, 2);
    }

    /**
     * The region (x, y, w, h) of this picture resized to {@code outW × outH}, as CHW floats: each channel
     * value {@code v} (0…255) becomes {@code (v / 255 - mean[c]) / std[c]}. An area average is taken when
     * shrinking a lot (so small inputs of big regions do not alias).
     */
    float[] chw(float x, float y, float w, float h, int outW, int outH, float[] mean, float[] std) {
        float[] out = new float[3 * outW * outH];
        float sx = w / outW;
        float sy = h / outH;
        int taps = Math.max(1, Math.min(4, (int) Math.floor(Math.max(sx, sy))));
        for (int j = 0; j < outH; j++) {
            for (int i = 0; i < outW; i++) {
                for (int c = 0; c < 3; c++) {
                    float v = 0;
                    for (int ty = 0; ty < taps; ty++) {
                        for (int tx = 0; tx < taps; tx++) {
                            v += sample(x + (i + (tx + 0.5f) / taps) * sx - 0.5f, y + (j + (ty + 0.5f) / taps) * sy - 0.5f, c);
                        }
                    }
                    v /= taps * taps;
                    out[c * outW * outH + j * outW + i] = (v / 255f - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    /** The region resized to {@code outW × outH} in luma, each value divided by {@code divisor}. */
    float[] grayRegion(float x, float y, float w, float h, int outW, int outH, float divisor) {
        float[] out = new float[outW * outH];
        float sx = w / outW;
        float sy = h / outH;
        int taps = Math.max(1, Math.min(4, (int) Math.floor(Math.max(sx, sy))));
        for (int j = 0; j < outH; j++) {
            for (int i = 0; i < outW; i++) {
                float v = 0;
                for (int ty = 0; ty < taps; ty++) {
                    for (int tx = 0; tx < taps; tx++) {
                        v += gray(x + (i + (tx + 0.5f) / taps) * sx - 0.5f, y + (j + (ty + 0.5f) / taps) * sy - 0.5f);
                    }
                }
                out[j * outW + i] = v / (taps * taps) / divisor;
            }
        }
        return out;
    }

    /**
     * An {@code size × size} RGB crop through the affine map from output to picture coordinates
     * ({@code px = a*ox + b*oy + c}, {@code py = d*ox + e*oy + f}), each channel as {@code (v - 127.5) / 128}.
     */
    float[] warp(double[] map, int size) {
        float[] out = new float[3 * size * size];
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < size; i++) {
                float px = (float) (map[0] * i + map[1] * j + map[2]);
                float py = (float) (map[3] * i + map[4] * j + map[5]);
                for (int c = 0; c < 3; c++) {
                    out[c * size * size + j * size + i] = (sample(px, py, c) - 127.5f) / 128f;
                }
            }
        }
        return out;
    }
}
