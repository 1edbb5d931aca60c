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
        int[] rgb = new int[w * h];
        // the JPEG reader's usual raster, read directly: getRGB converts pixel by pixel, several times slower
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte buffer
                && buffer.getNumBanks() == 1 && image.getRaster().getParent() == null
                && buffer.getData().length == w * h * 3) {
            byte[] bgr = buffer.getData();
            for (int i = 0, j = 0; i < rgb.length; i++, j += 3) {
                rgb[i] = ((bgr[j + 2] & 0xff) << 16) | ((bgr[j + 1] & 0xff) << 8) | (bgr[j] & 0xff);
            }
            return new Picture(w, h, rgb);
        }
        image.getRGB(0, 0, w, h, rgb, 0, w);
        return new Picture(w, h, rgb);
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

    /**
     * For each of {@code n} output cells along an axis, the source pixels it averages: the cells split
     * [start, start + length) evenly; a cell of about a pixel takes the one under its centre. Pixels
     * outside the picture are clamped to its edge. {@code from[i]} and {@code to[i]} (exclusive) per cell.
     */
    private static int[][] cells(float start, float length, int n, int limit) {
        int[] from = new int[n];
        int[] to = new int[n];
        float step = length / n;
        for (int i = 0; i < n; i++) {
            float a = start + i * step;
            float b = a + step;
            int lo = (int) Math.floor(a);
            int hi = (int) Math.ceil(b);
            if (hi - lo <= 1 || step < 1) {
                lo = (int) Math.floor(a + step / 2);
                hi = lo + 1;
            }
            from[i] = lo;
            to[i] = hi;
        }
        return new int[][] {from, to};
    }

    private static int clamp(int v, int limit) {
        return v < 0 ? 0 : (v >= limit ? limit - 1 : v);
    }

    /** The region (x, y, w, h) averaged into {@code outW × outH} cells: three planes of channel sums' means (0…255). */
    private float[][] area(float x, float y, float w, float h, int outW, int outH) {
        if (w < outW || h < outH) {
            return bilinear(x, y, w, h, outW, outH);
        }
        int[][] cx = cells(x, w, outW, width);
        int[][] cy = cells(y, h, outH, height);
        float[] r = new float[outW * outH];
        float[] g = new float[outW * outH];
        float[] b = new float[outW * outH];
        for (int j = 0; j < outH; j++) {
            for (int i = 0; i < outW; i++) {
                int sr = 0;
                int sg = 0;
                int sb = 0;
                int count = 0;
                for (int yy = cy[0][j]; yy < cy[1][j]; yy++) {
                    int row = clamp(yy, height) * width;
                    for (int xx = cx[0][i]; xx < cx[1][i]; xx++) {
                        int p = rgb[row + clamp(xx, width)];
                        sr += (p >> 16) & 0xff;
                        sg += (p >> 8) & 0xff;
                        sb += p & 0xff;
                        count++;
                    }
                }
                int o = j * outW + i;
                r[o] = (float) sr / count;
                g[o] = (float) sg / count;
                b[o] = (float) sb / count;
            }
        }
        return new float[][] {r, g, b};
    }

    /** The region enlarged into {@code outW × outH}: each cell the bilinear value at its centre. */
    private float[][] bilinear(float x, float y, float w, float h, int outW, int outH) {
        float[][] planes = new float[3][outW * outH];
        float sx = w / outW;
        float sy = h / outH;
        for (int j = 0; j < outH; j++) {
            for (int i = 0; i < outW; i++) {
                float px = x + (i + 0.5f) * sx - 0.5f;
                float py = y + (j + 0.5f) * sy - 0.5f;
                for (int c = 0; c < 3; c++) {
                    planes[c][j * outW + i] = sample(px, py, c);
                }
            }
        }
        return planes;
    }

    /**
     * The region (x, y, w, h) of this picture resized to {@code outW × outH} (an area average), as CHW
     * floats: each channel value {@code v} (0…255) becomes {@code (v / 255 - mean[c]) / std[c]}.
     */
    float[] chw(float x, float y, float w, float h, int outW, int outH, float[] mean, float[] std) {
        float[][] planes = area(x, y, w, h, outW, outH);
        int n = outW * outH;
        float[] out = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            float[] plane = planes[c];
            float scale = 1f / (255f * std[c]);
            float shift = mean[c] / std[c];
            for (int i = 0; i < n; i++) {
                out[c * n + i] = plane[i] * scale - shift;
            }
        }
        return out;
    }

    /** The region resized to {@code outW × outH} (an area average) in luma, each value divided by {@code divisor}. */
    float[] grayRegion(float x, float y, float w, float h, int outW, int outH, float divisor) {
        float[][] planes = area(x, y, w, h, outW, outH);
        float[] out = new float[outW * outH];
        for (int i = 0; i < out.length; i++) {
            out[i] = (0.299f * planes[0][i] + 0.587f * planes[1][i] + 0.114f * planes[2][i]) / divisor;
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
