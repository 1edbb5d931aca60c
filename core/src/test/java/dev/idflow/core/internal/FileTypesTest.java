package dev.idflow.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A file is what its bytes say; a download is served only as a type on the allow-list. */
class FileTypesTest {

    private static String textType(String s) throws IOException {
        return FileTypes.textType(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean isJson(String s) throws IOException {
        return FileTypes.isJson(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void binaryTypesAreKnownByTheirSignaturesOnly() {
        assertThat(FileTypes.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0})).isEqualTo("image/jpeg");
        assertThat(FileTypes.sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})).isEqualTo("image/png");
        assertThat(FileTypes.sniff("%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("application/pdf");
        assertThat(FileTypes.sniff(new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3})).isEqualTo("video/webm");
        assertThat(FileTypes.sniff(new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'})).isEqualTo("video/mp4");
        assertThat(FileTypes.sniff("<svg/>".getBytes(StandardCharsets.UTF_8))).isEqualTo("application/octet-stream");
        assertThat(FileTypes.sniff(new byte[0])).isEqualTo("application/octet-stream");
    }

    @Test
    void aWholeFileIsTypedByItsSignatureThenAsJsonOrTextAndMarkupOrAnExecutableIsOctetStream() {
        assertThat(FileTypes.of("%PDF-1.7\n%%EOF".getBytes(StandardCharsets.US_ASCII))).isEqualTo("application/pdf");
        assertThat(FileTypes.of("{\"a\": [1, 2]}".getBytes(StandardCharsets.UTF_8))).isEqualTo("application/json");
        assertThat(FileTypes.of("a note\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("text/plain");
        assertThat(FileTypes.of("<!doctype html><p>hi".getBytes(StandardCharsets.UTF_8))).isEqualTo("application/octet-stream");
        assertThat(FileTypes.of(new byte[] {'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0})).isEqualTo("application/octet-stream");
        assertThat(FileTypes.of(new byte[0])).isEqualTo("application/octet-stream");
    }

    @Test
    void textIsUtf8WithoutNulAndNeverMarkup() throws IOException {
        assertThat(textType("plain words, ещё и кириллица\n")).isEqualTo("text/plain");
        assertThat(textType("\uFEFF  a note")).isEqualTo("text/plain");
        assertThat(textType("a < b is maths, not markup")).isEqualTo("text/plain");
        assertThat(textType("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")).isNull();
        assertThat(textType("\n\t <!doctype html><p>hi")).isNull();
        assertThat(textType("\uFEFF<html>")).isNull();
        assertThat(textType("nul\u0000inside")).isNull();
        assertThat(textType("")).isNull();
        assertThat(FileTypes.textType(new ByteArrayInputStream(new byte[] {'c', 'a', 'f', (byte) 0xE9}))).isNull();
        // a multi-byte character split across the reader's 8 KB chunks is still text
        assertThat(textType("x".repeat(8191) + "é".repeat(10))).isEqualTo("text/plain");
    }

    @Test
    void jsonIsExactlyOneValue() throws IOException {
        assertThat(isJson(" {\"a\": [1, 2, {\"b\": null}]} \n")).isTrue();
        assertThat(isJson("[1]")).isTrue();
        assertThat(isJson("\"just a string\"")).isTrue();
        assertThat(isJson("{\"a\": 1} {\"b\": 2}")).isFalse();
        assertThat(isJson("{\"a\": ")).isFalse();
        assertThat(isJson("hello")).isFalse();
        assertThat(isJson("[".repeat(5000) + "]".repeat(5000))).as("too deep for the parser's limits").isFalse();
    }

    @Test
    void downloadsAreServedOnlyAsAllowedTypes() {
        for (String type : FileTypes.SERVED) {
            assertThat(FileTypes.servedAs(type)).isEqualTo(type);
        }
        assertThat(FileTypes.servedAs("Image/JPEG; charset=x")).isEqualTo("image/jpeg");
        for (String type : new String[] {"image/svg+xml", "text/html", "application/xhtml+xml", "text/xml",
                "application/javascript", "", null}) {
            assertThat(FileTypes.servedAs(type)).as("%s", type).isEqualTo("application/octet-stream");
        }
    }
}
