package dev.idflow.core.internal;

import dev.idflow.core.api.ApiException;
import dev.idflow.core.api.RetryLater;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The liveness frames of one node, checked so that no upload can make it run out of memory or CPU: a
 * frame's header is read first (its declared width and height, no pixel decoded) and refused over a
 * pixel budget per frame and per attempt; each frame is then decoded once, and never at more than
 * {@link #CHECK_PIXELS} (a subsampled read: a check needs no more); at most a fixed number of decodes
 * run at a time on this node, and a request that cannot get a turn soon is told to retry (429).
 *
 * <p>The numbers: a liveness frame is a camera still, which the hosted page scales to well under a
 * megapixel; {@value #MAX_FRAME_PIXELS} pixels (4096 × 4096) per frame, sides of at most
 * {@value #MAX_SIDE}, and {@value #MAX_ATTEMPT_PIXELS} pixels per attempt (40 frames of 1 Mpx) leave
 * any real camera room while a 40000 × 40000 bomb (1.6 Gpx) is refused from its first 33 bytes.
 */
public final class FrameImages {
    /** The most pixels one frame may declare (4096 × 4096). */
    public static final int MAX_FRAME_PIXELS = 4096 * 4096;
    /** The longest side one frame may declare: a 1 × 16 M strip is no camera still either. */
    public static final int MAX_SIDE = 8192;
    /** The most pixels the frames of one attempt may declare together. */
    public static final long MAX_ATTEMPT_PIXELS = 40_000_000L;
    /** A check decodes a subsampled picture of at most this many pixels (a few MB of raster). */
    static final int CHECK_PIXELS = 1 << 20;
    /** The bestframe re-encoded from a PNG keeps at most this many pixels (a face needs no more). */
    static final int BESTFRAME_PIXELS = 4 << 20;
    /** How long a request waits for a decode permit before it is told to retry. */
    static final Duration PERMIT_WAIT = Duration.ofSeconds(2);

    private static final String NOT_AN_IMAGE = ": must be a JPEG or PNG image";

    private final Semaphore decodes;
    private final Duration permitWait;
    private final AtomicLong decodesStarted = new AtomicLong();

    /**
     * @param concurrentDecodes how many frames this node decodes at once
     * @param permitWait how long a request waits for a turn before a 429
     */
    public FrameImages(int concurrentDecodes, Duration permitWait) {
        if (concurrentDecodes < 1) {
            throw new IllegalArgumentException("concurrentDecodes must be at least 1");
        }
        this.decodes = new Semaphore(concurrentDecodes, true);
        this.permitWait = permitWait;
    }

    /** The JVM's decoders: decoding is CPU and memory of this machine, whatever number of Idflow instances it runs. */
    private static final FrameImages NODE = new FrameImages(Math.max(1, Runtime.getRuntime().availableProcessors()),
            PERMIT_WAIT);

    /** One decode per core, shared by the whole JVM: decoding is CPU work, and each one holds at most a few MB. */
    public static FrameImages forThisNode() {
        return NODE;
    }

    /** A frame whose header was read: its type (by its bytes) and declared size. Nothing decoded yet. */
    public record Frame(int index, String type, int width, int height, byte[] bytes) {
        public long pixels() {
            return (long) width * height;
        }

        String name() {
            return "frame[" + index + "]";
        }
    }

    /**
     * Reads the frame's header only and refuses it (422 naming the frame and the limit) when it is not
     * a JPEG or PNG, or declares more than {@link #MAX_FRAME_PIXELS} pixels or a side over {@link #MAX_SIDE}.
     */
    public Frame header(int index, byte[] bytes) {
        String name = "frame[" + index + "]";
        String type = FileTypes.sniff(bytes);
        if (!type.equals(FileTypes.JPEG) && !type.equals(FileTypes.PNG)) {
            throw ApiException.invalid(name + NOT_AN_IMAGE);
        }
        int width;
        int height;
        ImageReader reader = reader(type, name);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            // metadata ignored: a PNG's compressed text chunks are a bomb of their own
            reader.setInput(in, true, true);
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw ApiException.invalid(name + NOT_AN_IMAGE + " (its header cannot be read)");
        } finally {
            reader.dispose();
        }
        if (width <= 0 || height <= 0) {
            throw ApiException.invalid(name + NOT_AN_IMAGE + " (it declares no pixels)");
        }
        if (width > MAX_SIDE || height > MAX_SIDE || (long) width * height > MAX_FRAME_PIXELS) {
            throw ApiException.invalid(name + ": declares " + width + "x" + height + " pixels; a frame may have at most "
                    + MAX_FRAME_PIXELS + " pixels (4096x4096) and sides of at most " + MAX_SIDE);
        }
        return new Frame(index, type, width, height, bytes);
    }

    /** Refuses the frame that takes the attempt's frames over {@link #MAX_ATTEMPT_PIXELS} together. */
    public static long addToAttempt(long pixelsSoFar, Frame frame) {
        long total = pixelsSoFar + frame.pixels();
        if (total > MAX_ATTEMPT_PIXELS) {
            throw ApiException.invalid(frame.name() + ": the frames of one attempt may have at most "
                    + MAX_ATTEMPT_PIXELS + " pixels together (" + total + " with this one)");
        }
        return total;
    }

    /** Decodes the frame once, subsampled: it must really be a picture, not only a header. */
    public void check(Frame frame) {
        decode(frame, CHECK_PIXELS);
    }

    /**
     * The bestframe as a JPEG (PRODUCT.md), from this frame's one decode: a JPEG is checked and kept
     * as sent; a PNG is decoded at most {@link #BESTFRAME_PIXELS} pixels and re-encoded.
     */
    public byte[] bestframeJpeg(Frame frame) {
        if (frame.type().equals(FileTypes.JPEG)) {
            check(frame);
            return frame.bytes();
        }
        BufferedImage image = decode(frame, BESTFRAME_PIXELS);
        // JPEG has no alpha: draw onto an opaque RGB canvas first
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.drawImage(image, 0, 0, Color.WHITE, null);
        } finally {
            g.dispose();
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no JPEG writer available");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // in memory: ImageIO's default stream cache would spill every frame to a temporary file
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.9f);
            writer.write(null, new IIOImage(rgb, null, null), param);
        } catch (IOException e) {
            throw new IllegalStateException("JPEG encoding failed in memory", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** How many decodes were started (for tests: a refused header must not get this far). */
    long decodesStarted() {
        return decodesStarted.get();
    }

    /** The decode permits (for tests: to hold them all). */
    Semaphore permits() {
        return decodes;
    }

    private BufferedImage decode(Frame frame, int maxPixels) {
        acquire(frame);
        try {
            decodesStarted.incrementAndGet();
            return decodeHoldingPermit(frame, maxPixels);
        } finally {
            decodes.release();
        }
    }

    private static BufferedImage decodeHoldingPermit(Frame frame, int maxPixels) {
        ImageReader reader = reader(frame.type(), frame.name());
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(frame.bytes()))) {
            reader.setInput(in, true, true);
            // the same bytes as the header read: checked again by the reader that decodes them
            if (reader.getWidth(0) != frame.width() || reader.getHeight(0) != frame.height()) {
                throw ApiException.invalid(frame.name() + NOT_AN_IMAGE + " (its header is inconsistent)");
            }
            ImageReadParam param = reader.getDefaultReadParam();
            int period = subsampling(frame.pixels(), maxPixels);
            param.setSourceSubsampling(period, period, 0, 0);
            BufferedImage image = reader.read(0, param);
            if (image == null || image.getWidth() <= 0 || image.getHeight() <= 0) {
                throw ApiException.invalid(frame.name() + NOT_AN_IMAGE + " (it decodes to no picture)");
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            throw ApiException.invalid(frame.name() + NOT_AN_IMAGE + " (it cannot be decoded: truncated or malformed)");
        } finally {
            reader.dispose();
        }
    }

    /** The smallest whole step in both directions that brings the picture within maxPixels. */
    static int subsampling(long pixels, int maxPixels) {
        int period = 1;
        while (pixels / ((long) period * period) > maxPixels) {
            period++;
        }
        return period;
    }

    private void acquire(Frame frame) {
        boolean acquired;
        try {
            acquired = decodes.tryAcquire(permitWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new RetryLater(frame.name() + ": the server is busy checking other images; retry shortly",
                    Math.max(1, permitWait.toSeconds()));
        }
    }

    private static ImageReader reader(String type, String name) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByMIMEType(type);
        if (!readers.hasNext()) {
            throw ApiException.invalid(name + NOT_AN_IMAGE);
        }
        return readers.next();
    }
}
