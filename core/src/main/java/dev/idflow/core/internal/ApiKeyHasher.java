package dev.idflow.core.internal;

import java.nio.charset.StandardCharsets;

/**
 * How an API key becomes the hash it is stored and looked up by: HMAC-SHA256 under a server-side
 * pepper, so that a copy of the database alone (hashes without the pepper) cannot be searched for
 * keys offline, however the keys were chosen.
 */
public final class ApiKeyHasher {
    /** Domain separation: the pepper derived from the host's secret key is used for nothing else. */
    private static final String PEPPER_LABEL = "idflow api-key pepper v1";

    private final byte[] pepper;

    private ApiKeyHasher(byte[] pepper) {
        this.pepper = pepper;
    }

    /** A hasher whose pepper is {@code pepper} itself (at least 32 bytes). */
    public static ApiKeyHasher withPepper(byte[] pepper) {
        if (pepper == null || pepper.length < 32) {
            throw new IllegalArgumentException("an API-key pepper must be at least 32 bytes");
        }
        return new ApiKeyHasher(pepper.clone());
    }

    /** A hasher whose pepper is derived from the host's secret-encryption key: HMAC-SHA256(key, label). */
    public static ApiKeyHasher derivedFrom(byte[] secretKey) {
        return new ApiKeyHasher(Crypto.hmacSha256(secretKey, PEPPER_LABEL.getBytes(StandardCharsets.UTF_8)));
    }

    /** Lowercase hex of HMAC-SHA256(pepper, key). */
    public String hash(String apiKey) {
        return Crypto.hmacSha256Hex(pepper, apiKey);
    }
}
