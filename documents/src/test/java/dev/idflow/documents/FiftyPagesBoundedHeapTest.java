package dev.idflow.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.graphics.image.JPEGFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 50-page PDF, each page a full-page scan (tens of megabytes in all), rendered page by page in a JVM
 * whose whole heap (Maven runs the tests tagged bounded-heap alone, with -Xmx96m: see the pom) is a
 * fraction of its pictures decoded (50 × 1600 × 2200 pixels) and of its pages rendered (50 × 1240 × 1754
 * pixels). If the renderer held the document's pictures or its pages' images, this would end in
 * OutOfMemoryError; and the heap retained after each page stays what it was after the first. One page at
 * a time needs about 35 MB at its peak (PDFBox decodes a scan whole, then converts it once).
 */
@Tag("bounded-heap")
class FiftyPagesBoundedHeapTest {
    private static final int PAGES = 50;

    @Test
    void aFiftyPageScanRendersPageByPageInAHeapSmallerThanTheFile(@TempDir Path dir) throws IOException {
        Path pdf = dir.resolve("scan.pdf");
        writeScan(pdf);
        long fileSize = Files.size(pdf);
        long decodedPictures = (long) PAGES * 1600 * 2200 * 3;
        long renderedPages = (long) PAGES * 1240 * 1754 * 3;
        assertThat(Runtime.getRuntime().maxMemory())
                .as("this test proves page-by-page rendering only in a heap far smaller than the pages (Maven gives it -Xmx96m)")
                .isLessThan(decodedPictures / 4)
                .isLessThan(renderedPages / 3);
        assertThat(fileSize).as("a scan of megabytes a page").isGreaterThan(40L << 20);

        try (InputStream in = Files.newInputStream(pdf)) {
            assertThat(PageRenderer.pageCount(in, "application/pdf")).isEqualTo(PAGES);
        }
        long pngBytes = 0;
        long afterFirst = 0;
        for (int p = 1; p <= PAGES; p++) {
            byte[] png;
            try (InputStream in = Files.newInputStream(pdf)) {
                png = PageRenderer.renderPng(in, "application/pdf", p);
            }
            BufferedImage page = ImageIO.read(new java.io.ByteArrayInputStream(png));
            assertThat(page.getWidth()).as("page %d", p).isBetween(1235, 1245);
            assertThat(page.getHeight()).as("page %d", p).isBetween(1749, 1759);
            pngBytes += png.length;
            if (p == 1) {
                afterFirst = retained();
            } else if (p % 10 == 0) {
                // nothing of a page stays behind: what is held after the 50th is what was held after the first
                assertThat(retained() - afterFirst).as("heap retained after page %d beyond page 1", p).isLessThan(8L << 20);
            }
        }
        assertThat(pngBytes).isPositive();
    }

    /** The heap in use after a collection (a measurement of what stays behind, not a timing). */
    private static long retained() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * 50 A4 pages, each a different noise picture of 1600 × 2200 (noise does not compress: each JPEG is
     * over a megabyte), written through PDFBox's temp-file stream cache so that writing it fits the small
     * heap too.
     */
    private static void writeScan(Path pdf) throws IOException {
        Random random = new Random(20261202L);
        try (PDDocument doc = new PDDocument(IOUtils.createTempFileOnlyStreamCache())) {
            for (int i = 0; i < PAGES; i++) {
                PDPage page = new PDPage(PDRectangle.A4);
                doc.addPage(page);
                PDImageXObject picture = JPEGFactory.createFromByteArray(doc, noiseJpeg(random));
                try (PDPageContentStream c = new PDPageContentStream(doc, page)) {
                    c.drawImage(picture, 0, 0, PDRectangle.A4.getWidth(), PDRectangle.A4.getHeight());
                }
            }
            doc.save(pdf.toFile());
        }
    }

    private static byte[] noiseJpeg(Random random) throws IOException {
        BufferedImage image = new BufferedImage(1600, 2200, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[1600];
        for (int y = 0; y < 2200; y++) {
            for (int x = 0; x < row.length; x++) {
                row[x] = random.nextInt(0x1000000);
            }
            image.setRGB(0, y, row.length, 1, row, 0, row.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(2 << 20);
        ImageIO.write(image, "jpeg", out);
        image.flush();
        return out.toByteArray();
    }
}
