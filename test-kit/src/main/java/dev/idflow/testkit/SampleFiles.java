package dev.idflow.testkit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;

/**
 * Small valid files made in code, for uploads and liveness attempts: nothing to check into a bank's
 * repository. Each is what its bytes say (idflow types uploads by their bytes, never by what the
 * client declares).
 */
public final class SampleFiles {
    public static final String JPEG = "image/jpeg";
    public static final String PNG = "image/png";
    public static final String PDF = "application/pdf";

    private SampleFiles() {
    }

    /** A 320×240 JPEG: a skin-toned oval on a blue background, as a front camera might frame a face. */
    public static byte[] face() {
        return encode(picture(320, 240, new Color(90, 120, 160), true), "jpg");
    }

    /** A 64×48 grey JPEG (a photo of a document, say). */
    public static byte[] jpeg() {
        return encode(picture(64, 48, Color.GRAY, false), "jpg");
    }

    /** A 64×48 PNG. */
    public static byte[] png() {
        return encode(picture(64, 48, new Color(200, 220, 240), false), "png");
    }

    /** A one-page A4 PDF saying {@code text}, with a correct cross-reference table. */
    public static byte[] pdf(String text) {
        String safe = text.replaceAll("[()\\\\\\r\\n]", " ");
        String stream = "BT /F1 18 Tf 72 760 Td (" + safe + ") Tj ET";
        String[] objects = {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
                    + " /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length " + stream.length() + " >>\nstream\n" + stream + "\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        StringBuilder pdf = new StringBuilder("%PDF-1.4\n");
        long[] offsets = new long[objects.length];
        for (int i = 0; i < objects.length; i++) {
            offsets[i] = pdf.length();
            pdf.append(i + 1).append(" 0 obj\n").append(objects[i]).append("\nendobj\n");
        }
        int xref = pdf.length();
        pdf.append("xref\n0 ").append(objects.length + 1).append("\n0000000000 65535 f \n");
        for (long offset : offsets) {
            pdf.append(String.format("%010d 00000 n \n", offset));
        }
        pdf.append("trailer\n<< /Size ").append(objects.length + 1).append(" /Root 1 0 R >>\nstartxref\n")
                .append(xref).append("\n%%EOF\n");
        return pdf.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@link #pdf(String)} with a fixed text. */
    public static byte[] pdf() {
        return pdf("idflow test kit sample document");
    }

    /** A sample of {@code mimeType} (JPEG, PNG or PDF); null for a type the kit makes none of. */
    public static byte[] of(String mimeType) {
        return switch (mimeType) {
            case JPEG -> jpeg();
            case PNG -> png();
            case PDF -> pdf();
            default -> null;
        };
    }

    /** The type {@code bytes} are by their first bytes: JPEG, PNG, PDF, else application/octet-stream. */
    public static String typeOf(byte[] bytes) {
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return JPEG;
        }
        if (bytes.length >= 4 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return PNG;
        }
        if (bytes.length >= 5 && new String(bytes, 0, 5, StandardCharsets.US_ASCII).equals("%PDF-")) {
            return PDF;
        }
        return "application/octet-stream";
    }

    static String extensionOf(byte[] bytes) {
        return switch (typeOf(bytes)) {
            case JPEG -> ".jpg";
            case PNG -> ".png";
            case PDF -> ".pdf";
            default -> ".bin";
        };
    }

    private static BufferedImage picture(int width, int height, Color background, boolean oval) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, width, height);
        if (oval) {
            g.setColor(new Color(224, 172, 105));
            g.fillOval(width / 3, height / 6, width / 3, height * 2 / 3);
        }
        g.dispose();
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("this JVM has no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
