package dev.idflow.storage.jdbi;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A stream of {@code size} pseudo-random bytes made on the fly: a test can send a file bigger than
 * its heap, because no one ever holds it whole, and compare what comes back by digest.
 */
final class GeneratedContent extends InputStream {
    private final long size;
    private long produced;
    private long state;

    GeneratedContent(long size, long seed) {
        this.size = size;
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    @Override
    public int read() {
        if (produced >= size) {
            return -1;
        }
        produced++;
        return (int) (next() & 0xff);
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (produced >= size) {
            return -1;
        }
        int n = (int) Math.min(len, size - produced);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) next();
        }
        produced += n;
        return n;
    }

    private long next() {
        // xorshift64: fast, and incompressible enough to defeat any store's compression
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
        return state;
    }

    /** SHA-256 (hex) of everything {@code in} yields, read in 64 KiB pieces; closes it. */
    static String sha256(InputStream in) throws IOException {
        MessageDigest digest = newDigest();
        try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
            byte[] buffer = new byte[64 * 1024];
            while (digesting.read(buffer) >= 0) {
                // reading is digesting
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(long size, long seed) throws IOException {
        return sha256(new GeneratedContent(size, seed));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
