package dev.idflow.core.model;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An API key as stored: never the key itself, only its hash, HMAC-SHA256 under the server's pepper
 * (hex), and for live keys the secret encrypted with the host's key ({@code encryptedSecret});
 * {@code keyPrefix} is at most 4 characters of the key, enough for an operator to recognise it and
 * too few to matter (a key has at least 32).
 */
public record ApiKey(String keyHash, String consumerId, KeyMode mode, byte[] encryptedSecret,
                     String keyPrefix, Instant createdAt) {
    public ApiKey {
        Objects.requireNonNull(keyHash, "keyHash");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(createdAt, "createdAt");
        encryptedSecret = encryptedSecret == null ? null : encryptedSecret.clone();
    }

    @Override
    public byte[] encryptedSecret() {
        return encryptedSecret == null ? null : encryptedSecret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey k && keyHash.equals(k.keyHash) && consumerId.equals(k.consumerId)
                && mode == k.mode && Arrays.equals(encryptedSecret, k.encryptedSecret)
                && Objects.equals(keyPrefix, k.keyPrefix) && createdAt.equals(k.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyHash, consumerId, mode, Arrays.hashCode(encryptedSecret), keyPrefix, createdAt);
    }

    @Override
    public String toString() {
        return "ApiKey[" + keyPrefix + "…, consumer=" + consumerId + ", mode=" + mode + "]";
    }

    /** The key as the audit trail and an operator see it: its mode and first characters, never enough to use it. */
    public String display() {
        return (mode == KeyMode.TEST ? "test_" : "live_") + keyPrefix + "…";
    }
}
