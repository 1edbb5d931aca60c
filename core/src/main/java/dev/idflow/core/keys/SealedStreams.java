package dev.idflow.core.keys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Cipher;

/**
 * File content sealed as a stream, never held whole: {@code IDFLOWS1}, one byte of key-id length, the key id,
 * then segments of 64 KiB of content each sealed on its own (AES-256-GCM, a random nonce each) with the file
 * id, the segment's index and whether it is the last as associated data. So a truncated, reordered or
 * spliced file fails to open, as does one moved to another file id. Every segment but the last is full; the
 * last holds the rest (0 bytes or more), so the sealed size follows from the plain size and back.
 */
public final class SealedStreams {
    static final byte[] MAGIC = "IDFLOWS1".getBytes(StandardCharsets.US_ASCII);
    static final int SEGMENT = 64 * 1024;
    private static final int OVERHEAD = PersonKeys.NONCE + PersonKeys.TAG;

    private SealedStreams() {
    }

    static int headerLength(String keyId) {
        return MAGIC.length + 1 + keyId.length();
    }

    /** The sealed size of {@code plain} bytes under a key id of {@code keyIdLength} characters. */
    public static long sealedSize(long plain, int keyIdLength) {
        return MAGIC.length + 1 + keyIdLength + (plain / SEGMENT) * (SEGMENT + OVERHEAD) + (plain % SEGMENT) + OVERHEAD;
    }

    /** The plain size of {@code sealed} bytes (the inverse of {@link #sealedSize}). */
    public static long plainSize(long sealed, int keyIdLength) {
        long body = sealed - MAGIC.length - 1 - keyIdLength;
        long full = body / (SEGMENT + OVERHEAD);
        long rest = body - full * (SEGMENT + OVERHEAD) - OVERHEAD;
        return Math.max(0, full * SEGMENT + rest);
    }

    private static String place(String fileId, long index, boolean last) {
        return "idflow_file.content\n" + fileId + "\n" + index + (last ? "\nlast" : "\nmore");
    }

    /** A stream of the sealed form of {@code plain} (read lazily, a segment at a time). */
    public static InputStream sealing(PersonKeys keys, PersonKeys.Key key, String fileId, InputStream plain) {
        return new Producer() {
            private final byte[] segment = new byte[SEGMENT];
            private int carry = -1;
            private long index;
            private boolean headerDone;
            private boolean done;

            @Override
            byte[] next() throws IOException {
                if (!headerDone) {
                    headerDone = true;
                    byte[] id = key.keyId().getBytes(StandardCharsets.US_ASCII);
                    byte[] h = Arrays.copyOf(MAGIC, MAGIC.length + 1 + id.length);
                    h[MAGIC.length] = (byte) id.length;
                    System.arraycopy(id, 0, h, MAGIC.length + 1, id.length);
                    return h;
                }
                if (done) {
                    return null;
                }
                int n = 0;
                if (carry >= 0) {
                    segment[n++] = (byte) carry;
                    carry = -1;
                }
                n += plain.readNBytes(segment, n, SEGMENT - n);
                boolean last;
                if (n < SEGMENT) {
                    last = true;
                } else {
                    int b = plain.read();
                    last = false;
                    carry = b;
                    if (b < 0) {
                        carry = -1;
                    }
                }
                byte[] nonce = new byte[PersonKeys.NONCE];
                keysRandom(keys, nonce);
                byte[] out = new byte[PersonKeys.NONCE + n + PersonKeys.TAG];
                System.arraycopy(nonce, 0, out, 0, PersonKeys.NONCE);
                PersonKeys.gcm(Cipher.ENCRYPT_MODE, key.secret(), nonce, place(fileId, index++, last), segment, 0, n, out,
                        PersonKeys.NONCE);
                done = last;
                return out;
            }

            @Override
            public void close() throws IOException {
                plain.close();
            }
        };
    }

    private static void keysRandom(PersonKeys keys, byte[] nonce) {
        keys.randomBytes(nonce);
    }

    /**
     * The content of a stored file: opened under its key if it was sealed (the header), else as stored (a file of
     * before sealing). A destroyed key or a damaged file fails with an IOException when read.
     */
    public static InputStream opening(Function<String, Optional<PersonKeys.Key>> keys, String fileId,
                                      InputStream stored) throws IOException {
        java.io.PushbackInputStream in = new java.io.PushbackInputStream(stored, MAGIC.length);
        byte[] head = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(head, MAGIC)) {
            in.unread(head);
            return in;
        }
        int len = in.read();
        if (len <= 0) {
            throw new IOException("the sealed file " + fileId + " is damaged");
        }
        String keyId = new String(in.readNBytes(len), StandardCharsets.US_ASCII);
        PersonKeys.Key key = keys.apply(keyId).orElseThrow(
                () -> new IOException("the key of file " + fileId + " was destroyed (its person was erased)"));
        return new Producer() {
            private final byte[] buf = new byte[SEGMENT + OVERHEAD];
            private long index;
            private boolean done;

            @Override
            byte[] next() throws IOException {
                if (done) {
                    return null;
                }
                int n = in.readNBytes(buf, 0, buf.length);
                if (n < OVERHEAD) {
                    throw new IOException("the sealed file " + fileId + " is truncated");
                }
                boolean last = n < buf.length;
                byte[] nonce = Arrays.copyOf(buf, PersonKeys.NONCE);
                byte[] out = new byte[n - OVERHEAD];
                try {
                    PersonKeys.gcm(Cipher.DECRYPT_MODE, key.secret(), nonce, place(fileId, index++, last), buf,
                            PersonKeys.NONCE, n - PersonKeys.NONCE, out, 0);
                } catch (PersonKeys.SealBroken e) {
                    throw new IOException("the sealed file " + fileId + " does not open: " + e.getMessage());
                }
                if (last && in.read() >= 0) {
                    throw new IOException("the sealed file " + fileId + " is damaged");
                }
                done = last;
                return out;
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    /** An InputStream over chunks a subclass produces one at a time. */
    private abstract static class Producer extends InputStream {
        private byte[] chunk = new byte[0];
        private int pos;
        private boolean end;

        abstract byte[] next() throws IOException;

        private boolean fill() throws IOException {
            while (!end && pos >= chunk.length) {
                byte[] c = next();
                if (c == null) {
                    end = true;
                } else {
                    chunk = c;
                    pos = 0;
                }
            }
            return !end;
        }

        @Override
        public int read() throws IOException {
            return fill() ? chunk[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
