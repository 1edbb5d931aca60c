package dev.idflow.documents;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;

/**
 * Pages of a stored document as PNG images, rendered on the server (the person's browser runs no PDF
 * script): a PDF page by page with PDFBox, a JPEG or PNG as its one page.
 *
 * <p>Memory is bounded per call, whatever the document's length: the content is spooled to a temp file
 * (0600) and PDFBox reads it from there ({@link RandomAccessReadBufferedFile}, its stream cache in temp
 * files too), so a 50-page PDF is never held whole; one page is rendered, encoded and let go before the
 * call returns. Each page's image is at most {@link #MAX_SIDE} pixels on its longer side and
 * {@link #MAX_PIXELS} in all (A4 at {@value #DPI} dpi is 1240 × 1754), so a page with a huge media box
 * costs no more than an ordinary one. Nothing is kept between calls: the client API caches the PNGs and
 * bounds how many renders run at once.
 */
public final class PageRenderer {
    /** The resolution a page is rendered at, unless that would exceed the pixel bounds. */
    public static final int DPI = 150;
    /** The longer side of a rendered page, in pixels, at most. */
    public static final int MAX_SIDE = 2000;
    /** A rendered page's pixels, at most. */
    public static final long MAX_PIXELS = 2_400_000L;
    /** An image document's pixels, at most, before it is decoded (a decompression bomb is refused by its header). */
    public static final long MAX_SOURCE_PIXELS = 40_000_000L;

    public static final String PDF = "application/pdf";
    public static final String JPEG = "image/jpeg";
    public static final String PNG = "image/png";

    /** The document is no PDF, JPEG or PNG, or is one that cannot be read (damaged, password-protected, a bomb). */
    public static final class UnreadableDocument extends IOException {
        public UnreadableDocument(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private PageRenderer() {
    }

    /** Whether pages of this type can be shown. */
    public static boolean renders(String contentType) {
        String bare = bare(contentType);
        return PDF.equals(bare) || JPEG.equals(bare) || PNG.equals(bare);
    }

    /** The number of pages of a document: a PDF's, or 1 for an image (checked to be one). */
    public static int pageCount(InputStream content, String contentType) throws IOException {
        String type = bare(contentType);
        if (PDF.equals(type)) {
            Path spool = spool(content);
            try (PDDocument pdf = load(spool)) {
                int pages = pdf.getNumberOfPages();
                if (pages < 1) {
                    throw new UnreadableDocument("the PDF has no pages", null);
                }
                return pages;
            } finally {
                Files.deleteIfExists(spool);
            }
        }
        if (JPEG.equals(type) || PNG.equals(type)) {
            imageSize(content); // a header that reads, within the pixel budget
            return 1;
        }
        throw new UnreadableDocument("a document of type " + type + " cannot be shown (PDF, JPEG or PNG)", null);
    }

    /** Page {@code page} (from 1) of a document as a PNG image, within the pixel bounds. */
    public static byte[] renderPng(InputStream content, String contentType, int page) throws IOException {
        String type = bare(contentType);
        BufferedImage image;
        if (PDF.equals(type)) {
            Path spool = spool(content);
            try (PDDocument pdf = load(spool)) {
                if (page < 1 || page > pdf.getNumberOfPages()) {
                    throw new IllegalArgumentException("page: must be 1 to " + pdf.getNumberOfPages());
                }
                PDPage p = pdf.getPage(page - 1);
                PDRectangle box = p.getCropBox();
                float width = box.getWidth();
                float height = box.getHeight();
                if (p.getRotation() % 180 != 0) {
                    float swap = width;
                    width = height;
                    height = swap;
                }
                float scale = scale(width, height, DPI / 72f);
                PDFRenderer renderer = new PDFRenderer(pdf);
                // embedded pictures are read at the resolution the page is drawn at, not at their own
                renderer.setSubsamplingAllowed(true);
                image = renderer.renderImage(page - 1, scale, ImageType.RGB);
            } finally {
                Files.deleteIfExists(spool);
            }
        } else if (JPEG.equals(type) || PNG.equals(type)) {
            if (page != 1) {
                throw new IllegalArgumentException("page: an image document has 1 page");
            }
            image = readImage(content);
        } else {
            throw new UnreadableDocument("a document of type " + type + " cannot be shown (PDF, JPEG or PNG)", null);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * 1024);
        ImageIO.write(image, "png", out);
        image.flush();
        return out.toByteArray();
    }

    /** The scale that renders {@code width × height} points at {@code wanted}, or less to keep within the bounds. */
    static float scale(float width, float height, float wanted) {
        float w = Math.max(1f, width);
        float h = Math.max(1f, height);
        float bySide = MAX_SIDE / Math.max(w, h);
        float byPixels = (float) Math.sqrt(MAX_PIXELS / ((double) w * h));
        return Math.min(wanted, Math.min(bySide, byPixels));
    }

    private static PDDocument load(Path spool) throws IOException {
        try {
            // read from the file as needed, and whatever PDFBox must buffer goes to temp files, not the heap
            return Loader.loadPDF(new RandomAccessReadBufferedFile(spool.toFile()), "", null, null,
                    IOUtils.createTempFileOnlyStreamCache());
        } catch (org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException e) {
            throw new UnreadableDocument("the PDF is protected by a password", e);
        } catch (IOException | RuntimeException e) {
            throw new UnreadableDocument("the PDF cannot be read", e);
        }
    }

    /** The content in a temp file only this process's user may read; the caller deletes it. */
    private static Path spool(InputStream content) throws IOException {
        Path file;
        try {
            file = Files.createTempFile("idflow-doc-", ".pdf",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            file = Files.createTempFile("idflow-doc-", ".pdf");
        }
        try (InputStream in = content) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    private static void imageSize(InputStream content) throws IOException {
        try (InputStream in = content; ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            ImageReader reader = reader(iis);
            try {
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w * h > MAX_SOURCE_PIXELS) {
                    throw new UnreadableDocument("the image has " + (w * h) + " pixels, more than " + MAX_SOURCE_PIXELS, null);
                }
            } finally {
                reader.dispose();
            }
        } catch (UnreadableDocument e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UnreadableDocument("the image cannot be read", e);
        }
    }

    /** An image document, checked by its header first, decoded once at a reduced size when it is large. */
    private static BufferedImage readImage(InputStream content) throws IOException {
        try (InputStream in = content; ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            ImageReader reader = reader(iis);
            try {
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if ((long) w * h > MAX_SOURCE_PIXELS) {
                    throw new UnreadableDocument("the image has " + ((long) w * h) + " pixels, more than " + MAX_SOURCE_PIXELS, null);
                }
                ImageReadParam param = reader.getDefaultReadParam();
                float scale = scale(w, h, 1f);
                int step = scale >= 1f ? 1 : (int) Math.ceil(1f / scale);
                param.setSourceSubsampling(step, step, 0, 0);
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (UnreadableDocument e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UnreadableDocument("the image cannot be read", e);
        }
    }

    private static ImageReader reader(ImageInputStream iis) throws IOException {
        if (iis == null) {
            throw new UnreadableDocument("the image cannot be read", null);
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
        if (!readers.hasNext()) {
            throw new UnreadableDocument("the image is no JPEG or PNG", null);
        }
        ImageReader reader = readers.next();
        reader.setInput(iis, true, true);
        return reader;
    }

    private static String bare(String contentType) {
        return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    }
}
