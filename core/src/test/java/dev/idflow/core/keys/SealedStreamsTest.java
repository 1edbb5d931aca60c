package dev.idflow.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SealedStreamsTest {
    private final PersonKeys keys = Sealing.keys(new HeapKeyVault(), Duration.ofSeconds(60), Clock.systemUTC());
    private final PersonKeys.Key key = keys.forWrite("bank", "person-1", true);

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private byte[] seal(String fileId, byte[] plain) throws IOException {
        try (InputStream in = SealedStreams.sealing(keys, key, fileId, new ByteArrayInputStream(plain))) {
            return in.readAllBytes();
        }
    }

    private byte[] open(String fileId, byte[] sealed) throws IOException {
        try (InputStream in = SealedStreams.opening(keys::find, fileId, new ByteArrayInputStream(sealed))) {
            return in.readAllBytes();
        }
    }

    @Test
    void roundTripsEverySizeAroundTheSegmentAndTheSizesConvert() throws IOException {
        int s = SealedStreams.SEGMENT;
        for (int n : new int[] {0, 1, 100, s - 1, s, s + 1, 2 * s, 3 * s + 17}) {
            byte[] plain = bytes(n);
            byte[] sealed = seal("f1", plain);
            assertThat(sealed.length).as("sealed size of %d", n).isEqualTo(SealedStreams.sealedSize(n, key.keyId().length()));
            assertThat(SealedStreams.plainSize(sealed.length, key.keyId().length())).isEqualTo(n);
            assertThat(open("f1", sealed)).as("content of %d", n).isEqualTo(plain);
            assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("person-1");
        }
    }

    @Test
    void aTruncatedReorderedOrMovedFileDoesNotOpen() throws IOException {
        int s = SealedStreams.SEGMENT;
        byte[] sealed = seal("f1", bytes(2 * s + 5));
        int header = SealedStreams.headerLength(key.keyId());
        int seg = s + 28;
        // cut after the first full segment: the last segment is missing
        assertThatThrownBy(() -> open("f1", Arrays.copyOf(sealed, header + seg))).isInstanceOf(IOException.class);
        // cut inside the last segment
        assertThatThrownBy(() -> open("f1", Arrays.copyOf(sealed, sealed.length - 1))).isInstanceOf(IOException.class);
        // the first two segments swapped
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, header + seg, swapped, header, seg);
        System.arraycopy(sealed, header, swapped, header + seg, seg);
        assertThatThrownBy(() -> open("f1", swapped)).isInstanceOf(IOException.class);
        // another file's id
        assertThatThrownBy(() -> open("f2", sealed)).isInstanceOf(IOException.class);
        // bytes appended
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertThatThrownBy(() -> open("f1", longer)).isInstanceOf(IOException.class);
    }

    @Test
    void aDestroyedKeyOpensNothingAndAPlainFileIsReadAsStored() throws IOException {
        byte[] sealed = seal("f1", bytes(10));
        keys.destroy(key.keyId());
        assertThatThrownBy(() -> open("f1", sealed)).isInstanceOf(IOException.class).hasMessageContaining("destroyed");
        byte[] plain = "just some bytes of before".getBytes();
        try (InputStream in = SealedStreams.opening(id -> Optional.empty(), "f3", new ByteArrayInputStream(plain))) {
            assertThat(in.readAllBytes()).isEqualTo(plain);
        }
    }
}
