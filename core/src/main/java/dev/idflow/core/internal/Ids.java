package dev.idflow.core.internal;

import com.github.f4b6a3.ulid.Ulid;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;

/**
 * Identifiers and bearer tokens. ULIDs carry a suffix naming what they identify: 48 bits of time and
 * 80 bits that are random. Within one millisecond this node's ids still rise, because the stores order
 * by created_at and then id and the engine relies on it ("newest" file or session, the events of one
 * commit in the order emitted) — but by a random step of 1 to 2^63, not by one as a monotonic ULID
 * factory steps: from its own id a consumer cannot guess another's made in the same millisecond (and
 * so cannot learn from 403-versus-404 that it exists). Tokens are plain random bytes from
 * {@link SecureRandom}.
 */
public final class Ids {
    private final SecureRandom random;
    private final Clock clock;
    // the last id made: its millisecond and its 80 random bits (16 high, 64 low)
    private long lastMillis = Long.MIN_VALUE;
    private long randomHigh;
    private long randomLow;

    public Ids(SecureRandom random, Clock clock) {
        this.random = random;
        this.clock = clock;
    }

    private synchronized String ulid() {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            fresh();
        } else {
            // the same millisecond (or a clock set back): a random step up from the last id
            long step = (random.nextLong() >>> 1) + 1;
            long low = randomLow + step;
            if (Long.compareUnsigned(low, randomLow) < 0 && ++randomHigh > 0xFFFF) {
                // 80 bits used up (some 2^16 ids in one millisecond): on into the next one, as ULIDs do
                lastMillis++;
                fresh();
            } else {
                randomLow = low;
            }
        }
        return new Ulid((lastMillis << 16) | randomHigh, randomLow).toString();
    }

    /** New random bits for a new millisecond, the top one clear to leave room for the steps within it. */
    private void fresh() {
        randomHigh = random.nextInt() & 0x7FFF;
        randomLow = random.nextLong();
    }

    public String flowId() {
        return ulid() + "-F";
    }

    public String sessionId() {
        return ulid() + "-S";
    }

    public String fileId() {
        return ulid();
    }

    /** An audit record's id. */
    public String auditId() {
        return ulid() + "-A";
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
