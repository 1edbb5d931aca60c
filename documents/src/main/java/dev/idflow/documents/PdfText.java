package dev.idflow.documents;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * The font idflow's own PDFs are written in: Liberation Sans (SIL Open Font License 1.1), the copy that
 * PDFBox's own jar ships at {@code org/apache/pdfbox/resources/ttf/}, so no other font artifact is
 * needed. It has the whole Cyrillic block, and so the Kazakh letters (ә ғ қ ң ө ұ ү һ і and their
 * capitals, U+0492–U+04E9 and U+0456). Embedded as a subset: a reader needs no font of its own.
 */
final class PdfText {
    static final String FONT_RESOURCE = "/org/apache/pdfbox/resources/ttf/LiberationSans-Regular.ttf";
    private static final byte[] FONT = read();

    private PdfText() {
    }

    private static byte[] read() {
        try (InputStream in = PdfText.class.getResourceAsStream(FONT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("PDFBox's Liberation Sans is missing from the class path (" + FONT_RESOURCE + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The font bytes, for a renderer that embeds it itself (doc-builder). */
    static InputStream fontStream() {
        return new ByteArrayInputStream(FONT);
    }

    /** The font, to be embedded (as a subset) in {@code document}. */
    static PDType0Font font(PDDocument document) throws IOException {
        return PDType0Font.load(document, new ByteArrayInputStream(FONT), true);
    }

    /** {@code text} with each character the font has no glyph for (an emoji in a name) as {@code ?}. */
    static String printable(PDType0Font font, String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            if (Character.isISOControl(cp)) {
                out.append(' ');
                return;
            }
            try {
                font.encode(c);
                out.append(c);
            } catch (IOException | IllegalArgumentException noGlyph) {
                out.append('?');
            }
        });
        return out.toString();
    }

    /** {@code text} in lines of at most {@code width} points at {@code size}, broken at spaces (a long word alone). */
    static List<String> wrap(PDType0Font font, float size, String text, float width) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String tried = line.isEmpty() ? word : line + " " + word;
            if (font.getStringWidth(tried) / 1000f * size <= width || line.isEmpty()) {
                line.setLength(0);
                line.append(tried);
            } else {
                lines.add(line.toString());
                line.setLength(0);
                line.append(word);
            }
        }
        if (!line.isEmpty() || lines.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }
}
