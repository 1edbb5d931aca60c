package dev.idflow.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a file is, decided by its bytes and never by what a client declares: the one sniffer of idflow
 * (uploads, liveness parts, scripted sandbox files), and the allow-list of types a download may be
 * served as. A type outside it is served as application/octet-stream, so a stored file can never
 * become a page (HTML, SVG, XML) in the bank's origin.
 */
public final class FileTypes {
    public static final String JPEG = "image/jpeg";
    public static final String PNG = "image/png";
    public static final String WEBM = "video/webm";
    public static final String MP4 = "video/mp4";
    public static final String PDF = "application/pdf";
    public static final String TEXT = "text/plain";
    public static final String JSON = "application/json";
    public static final String OCTET_STREAM = "application/octet-stream";

    /** What idflow produces itself or checked on upload: the only types a download is served as. */
    public static final List<String> SERVED = List.of(JPEG, PNG, WEBM, MP4, PDF, TEXT, JSON);
    /** What POST /resources/storage accepts, in the order the refusal names them. */
    public static final List<String> UPLOADABLE = List.of(PDF, JPEG, PNG, WEBM, MP4, TEXT, JSON);
    /** The bytes sniffing needs: every signature below sits within the first 12. */
    public static final int HEAD_BYTES = 16;
    private static final Set<String> VIDEO = Set.of(WEBM, MP4);

    private FileTypes() {
    }

    /**
     * The type a binary file's first bytes name (JPEG, PNG, PDF, WebM, MP4), else
     * application/octet-stream. Text is not told apart here: it needs the whole content, see {@link #textType}.
     */
    public static String sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return JPEG;
        }
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
            return PNG;
        }
        if (b.length >= 5 && b[0] == '%' && b[1] == 'P' && b[2] == 'D' && b[3] == 'F' && b[4] == '-') {
            return PDF;
        }
        // EBML magic: WebM (and Matroska, its superset, which browsers play the same way)
        if (b.length >= 4 && (b[0] & 0xff) == 0x1A && (b[1] & 0xff) == 0x45 && (b[2] & 0xff) == 0xDF
                && (b[3] & 0xff) == 0xA3) {
            return WEBM;
        }
        // ISO base media: a box size, then the ftyp box that every MP4 starts with
        if (b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            return MP4;
        }
        return OCTET_STREAM;
    }

    /**
     * The type of a whole file held in memory, by its bytes only: a binary signature ({@link #sniff}), else
     * application/json or text/plain for UTF-8 text ({@link #textType}, {@link #isJson}), else
     * application/octet-stream, which is also what markup (HTML, SVG, XML) and unknown binaries (an
     * executable) get. Every type but octet-stream is one of {@link #UPLOADABLE}.
     */
    public static String of(byte[] content) {
        String sniffed = sniff(content);
        if (!OCTET_STREAM.equals(sniffed)) {
            return sniffed;
        }
        try {
            if (textType(new ByteArrayInputStream(content)) == null) {
                return OCTET_STREAM;
            }
            return isJson(new ByteArrayInputStream(content)) ? JSON : TEXT;
        } catch (IOException e) {
            throw new UncheckedIOException("reading bytes held in memory", e);
        }
    }

    /** Whether the first bytes are a WebM or MP4 container (a liveness {@code video} part must be). */
    public static boolean isVideo(String sniffed) {
        return VIDEO.contains(sniffed);
    }

    /** The type a download is served as: the file's own when on {@link #SERVED}, else octet-stream. */
    public static String servedAs(String storedType) {
        if (storedType == null) {
            return OCTET_STREAM;
        }
        String bare = storedType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return SERVED.contains(bare) ? bare : OCTET_STREAM;
    }

    /**
     * For content no binary signature matched: application/json when it is one JSON value, text/plain
     * when it is other UTF-8 text, or null (refused) when it is not valid UTF-8, holds a NUL, or is
     * markup. Markup (HTML, SVG, XML: first visible character {@code <}) is refused even as text: it is
     * what a browser renders as a page, and idflow never needs to keep one. Reads the stream to its
     * end in small chunks, never whole.
     */
    public static String textType(InputStream content) throws IOException {
        return textType(content, false);
    }

    /**
     * As {@link #textType(InputStream)}; with {@code markupAllowed}, markup is text/plain too: for the one
     * upload that is markup by nature (a doc-builder template), kept and served as plain text, never as a page.
     */
    public static String textType(InputStream content, boolean markupAllowed) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] chunk = new byte[8192];
        ByteBuffer in = ByteBuffer.allocate(chunk.length + 8);
        CharBuffer out = CharBuffer.allocate(chunk.length + 8);
        boolean seenVisible = false;
        boolean empty = true;
        int n;
        while ((n = content.read(chunk)) != -1) {
            if (n == 0) {
                continue;
            }
            empty = false;
            in.put(chunk, 0, n).flip();
            if (utf8.decode(in, out, false).isError()) {
                return null;
            }
            in.compact();
            out.flip();
            for (int i = 0; i < out.length(); i++) {
                char c = out.charAt(i);
                if (c == 0) {
                    return null;
                }
                if (!seenVisible && !Character.isWhitespace(c) && c != '\uFEFF') {
                    if (c == '<' && !markupAllowed) {
                        return null;
                    }
                    seenVisible = true;
                }
            }
            out.clear();
        }
        in.flip();
        if (utf8.decode(in, out, true).isError() || utf8.flush(out).isError() || in.hasRemaining()) {
            return null;
        }
        return empty ? null : TEXT;
    }

    /** Whether the (already checked UTF-8) content is exactly one JSON value; parsed token by token. */
    public static boolean isJson(InputStream content) throws IOException {
        try (JsonParser parser = Json.mapper().getFactory().createParser(content)) {
            if (parser.nextToken() == null) {
                return false;
            }
            int depth = 0;
            JsonToken token = parser.currentToken();
            do {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                }
                if (depth == 0) {
                    break;
                }
            } while ((token = parser.nextToken()) != null);
            // one value, and nothing but whitespace after it
            return depth == 0 && parser.nextToken() == null;
        } catch (JsonProcessingException | CharacterCodingException e) {
            return false;
        }
    }

    /** The file name extension a download without a name of its own gets. */
    public static String extension(String contentType) {
        return switch (servedAs(contentType)) {
            case JPEG -> ".jpg";
            case PNG -> ".png";
            case WEBM -> ".webm";
            case MP4 -> ".mp4";
            case PDF -> ".pdf";
            case JSON -> ".json";
            case TEXT -> ".txt";
            default -> ".bin";
        };
    }
}
