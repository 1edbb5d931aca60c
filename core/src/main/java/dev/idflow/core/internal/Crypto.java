package dev.idflow.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Hashing and signing helpers; comparisons of secrets are constant-time. */
public final class Crypto {
    private static final HexFormat HEX = HexFormat.of();
    /**
     * One digest and one HMAC per thread, never shared between threads: a request hashes its key and
     * tokens without a provider look-up each time. Each use resets them (digest) or re-keys them (init).
     */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    });
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    });

    private Crypto() {
    }

    public static String sha256Hex(String value) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return HEX.formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Lowercase hex of HMAC-SHA256(secret, message). */
    public static String hmacSha256Hex(byte[] secret, String message) {
        return HEX.formatHex(hmacSha256(secret, message.getBytes(StandardCharsets.UTF_8)));
    }

    /** HMAC-SHA256(secret, message). */
    public static byte[] hmacSha256(byte[] secret, byte[] message) {
        try {
            Mac mac = HMAC.get();
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("an HMAC key was refused", e);
        }
    }

    /** Constant-time equality of two strings' UTF-8 bytes (length may leak, content does not). */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
