package dev.idflow.core.console;

import dev.idflow.core.internal.Crypto;
import java.time.Duration;
import java.time.Instant;

/**
 * The console's CSRF tokens: {@code <issuedAtEpochSeconds>.<hex HMAC-SHA256(key, v2 ‖ principal ‖ issuedAt)>}.
 * The same on every node (the key is derived from Idflow's secret), valid for {@link #VALIDITY} from the
 * moment it was issued (by the injected clock), refused when issued more than {@link #FUTURE_SKEW} ahead of
 * this node's clock, and bound to one principal. The MAC is compared in constant time; a token is never logged.
 */
final class CsrfTokens {
    /** How long a token is accepted after it was issued. */
    static final Duration VALIDITY = Duration.ofHours(12);
    /** How far ahead of this node's clock an issue time may be (another node's clock running fast). */
    static final Duration FUTURE_SKEW = Duration.ofSeconds(60);
    private static final int MAX_LENGTH = 20 + 1 + 64;

    private final byte[] key;

    CsrfTokens(byte[] key) {
        this.key = key.clone();
    }

    String issue(String principal, Instant now) {
        long issuedAt = now.getEpochSecond();
        return issuedAt + "." + mac(principal, issuedAt);
    }

    boolean valid(String principal, String token, Instant now) {
        if (principal == null || token == null || token.length() > MAX_LENGTH) {
            return false;
        }
        int dot = token.indexOf('.');
        if (dot < 1 || dot > 19) {
            return false;
        }
        long issuedAt;
        try {
            issuedAt = Long.parseLong(token.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (issuedAt < 0 || !token.substring(0, dot).equals(Long.toString(issuedAt))) {
            return false; // one spelling per instant: no "+12", "012"
        }
        // the MAC first and always, so a stale token costs the same as a fresh one
        boolean macOk = Crypto.constantTimeEquals(mac(principal, issuedAt), token.substring(dot + 1));
        long nowSeconds = now.getEpochSecond();
        boolean inTime = issuedAt <= nowSeconds + FUTURE_SKEW.toSeconds()
                && nowSeconds - issuedAt <= VALIDITY.toSeconds();
        return macOk && inTime;
    }

    private String mac(String principal, long issuedAt) {
        return Crypto.hmacSha256Hex(key, "idflow console csrf v2\n" + principal + "\n" + issuedAt);
    }
}
