package dev.idflow.core.internal;

import com.github.f4b6a3.ulid.UlidFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;

/**
 * Identifiers and bearer tokens. ULIDs (time-ordered, so "newest" sorts last) carry a suffix naming
 * what they identify; tokens are plain random bytes from {@link SecureRandom}.
 */
public final class Ids {
    private final SecureRandom random;
    private final UlidFactory ulids;

    public Ids(SecureRandom random, Clock clock) {
        this.random = random;
        this.ulids = UlidFactory.newMonotonicInstance(random, clock::millis);
    }

    public String flowId() {
        return ulids.create() + "-F";
    }

    public String sessionId() {
        return ulids.create() + "-S";
    }

    public String fileId() {
        return ulids.create().toString();
    }

    /** A vlink token: 192 random bits, URL-safe, 32 characters. */
    public String vlinkToken() {
        return token(24);
    }

    /** A random (version 4) UUID from SecureRandom, as the spec's liveness access_token. */
    public String accessToken() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (b[i] & 0xff);
            lsb = (lsb << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(msb, lsb).toString();
    }

    /** {@code bytes} random bytes, base64url without padding. */
    public String token(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public SecureRandom random() {
        return random;
    }

    public static boolean isFlowId(String s) {
        return s != null && s.length() == 28 && s.endsWith("-F") && isUlid(s.substring(0, 26));
    }

    public static boolean isSessionId(String s) {
        return s != null && s.length() == 28 && s.endsWith("-S") && isUlid(s.substring(0, 26));
    }

    private static boolean isUlid(String s) {
        return com.github.f4b6a3.ulid.Ulid.isValid(s);
    }
}
