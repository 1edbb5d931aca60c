package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.internal.FileTypes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The sample files are what their bytes say, and valid of their kind. */
class SampleFilesTest {

    @Test
    void imagesDecode() throws Exception {
        assertThat(ImageIO.read(new ByteArrayInputStream(SampleFiles.face())).getWidth()).isEqualTo(320);
        assertThat(ImageIO.read(new ByteArrayInputStream(SampleFiles.jpeg())).getHeight()).isEqualTo(48);
        assertThat(ImageIO.read(new ByteArrayInputStream(SampleFiles.png())).getWidth()).isEqualTo(64);
    }

    @Test
    void eachIsTypedByItsBytesAsIdflowTypesThem() {
        assertThat(SampleFiles.typeOf(SampleFiles.face())).isEqualTo(SampleFiles.JPEG);
        assertThat(SampleFiles.typeOf(SampleFiles.png())).isEqualTo(SampleFiles.PNG);
        assertThat(SampleFiles.typeOf(SampleFiles.pdf())).isEqualTo(SampleFiles.PDF);
        assertThat(FileTypes.sniff(SampleFiles.pdf("x"))).isEqualTo(FileTypes.PDF);
        assertThat(SampleFiles.of("video/webm")).isNull();
    }

    @Test
    void thePdfsCrossReferencePointsAtItsObjects() {
        String pdf = new String(SampleFiles.pdf("Loan (No. 42)"), StandardCharsets.US_ASCII);
        int xref = Integer.parseInt(pdf.substring(pdf.indexOf("startxref\n") + 10, pdf.indexOf("\n%%EOF")).trim());
        assertThat(pdf.substring(xref)).startsWith("xref\n0 6\n");
        String[] entries = pdf.substring(xref).split("\n");
        for (int object = 1; object <= 5; object++) {
            int offset = Integer.parseInt(entries[2 + object].substring(0, 10));
            assertThat(pdf.substring(offset)).startsWith(object + " 0 obj");
        }
        assertThat(pdf).contains("(Loan  No. 42 ) Tj");
    }
}
