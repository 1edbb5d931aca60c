package dev.idflow.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.idflow.core.api.ApiException;
import dev.idflow.core.api.ApiRequest;
import dev.idflow.core.api.Caller;
import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.KeyMode;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.SecretCipher;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the consumer API's headers: the API key (looked up by its peppered hash), the API version, and for
 * live keys — or test keys that choose to sign — the timestamp and HMAC-SHA256 over ts + path-with-query.
 */
public final class Authenticator {
    public static final String API_KEY = "X-Verigram-Api-Key";
    public static final String API_VERSION = "X-Verigram-Api-Version";
    public static final String TIMESTAMP = "X-Verigram-Ts";
    public static final String SIGNATURE = "X-Verigram-Hmac-SHA256";
    static final long MAX_SKEW_SECONDS = 300;
    private static final Set<String> VERSIONS = Set.of("2", "2.0", "2.0.0");

    /** A key as resolved for a request: the stored key and, for keys that have one, the decrypted secret. */
    private record ResolvedKey(ApiKey key, byte[] secret) {
    }

    private final ApiKeyDirectory directory;
    private final SecretCipher cipher;
    private final ApiKeyHasher hasher;
    private final Clock clock;
    // Resolving a key costs a store read and an AES-GCM decryption; cache it briefly. A revoked key
    // stays usable on other nodes for at most this long (see docs/ARCHITECTURE.md).
    private final Cache<String, Optional<ResolvedKey>> cache;

    public Authenticator(ApiKeyDirectory directory, SecretCipher cipher, ApiKeyHasher hasher, Clock clock,
                         Duration cacheTtl) {
        this.directory = directory;
        this.cipher = cipher;
        this.hasher = hasher;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(cacheTtl).build();
    }

    /** Forgets a cached key at once on this node (after a revocation). */
    public void evict(String keyHash) {
        cache.invalidate(keyHash);
    }

    public Caller authenticate(ApiRequest request, String signedPath) {
        String key = request.header(API_KEY);
        if (key == null || key.isBlank()) {
            throw ApiException.unauthorized(API_KEY + ": header is required");
        }
        String keyHash = hasher.hash(key.trim());
        ResolvedKey resolved = cache.get(keyHash, this::resolve).orElseThrow(
                () -> ApiException.unauthorized(API_KEY + ": unknown API key"));
        checkSignature(request, signedPath, resolved);
        String version = request.header(API_VERSION);
        if (version == null || !VERSIONS.contains(version.trim())) {
            throw new ApiException(422, "UNSUPPORTED_API_VERSION",
                    API_VERSION + ": must be 2, 2.0 or 2.0.0" + (version == null ? " (header is missing)" : ""));
        }
        return new Caller(resolved.key().consumerId(), resolved.key().mode(), keyHash);
    }

    private Optional<ResolvedKey> resolve(String keyHash) {
        return directory.findKeyByHash(keyHash).map(k -> new ResolvedKey(k,
                k.encryptedSecret() == null ? null : cipher.decrypt(k.encryptedSecret())));
    }

    private void checkSignature(ApiRequest request, String signedPath, ResolvedKey resolved) {
        String ts = request.header(TIMESTAMP);
        String signature = request.header(SIGNATURE);
        boolean live = resolved.key().mode() == KeyMode.LIVE;
        if (!live && ts == null && signature == null) {
            return; // a test key may call unsigned
        }
        if (ts == null) {
            throw ApiException.unauthorized(TIMESTAMP + ": header is required when the request is signed"
                    + (live ? " (live keys must sign)" : ""));
        }
        if (signature == null) {
            throw ApiException.unauthorized(SIGNATURE + ": header is required"
                    + (live ? " for live keys" : " when " + TIMESTAMP + " is sent"));
        }
        long seconds;
        try {
            seconds = Long.parseLong(ts.trim());
        } catch (NumberFormatException e) {
            throw ApiException.unauthorized(TIMESTAMP + ": must be unix time in seconds");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - seconds) > MAX_SKEW_SECONDS) {
            throw ApiException.unauthorized(TIMESTAMP + ": must be within " + MAX_SKEW_SECONDS
                    + " seconds of the server clock");
        }
        if (resolved.secret() == null) {
            throw ApiException.unauthorized(SIGNATURE + ": this key has no secret, so its signature cannot be checked");
        }
        String expected = Crypto.hmacSha256Hex(resolved.secret(), ts.trim() + signedPath);
        if (!Crypto.constantTimeEquals(expected, signature.trim().toLowerCase(Locale.ROOT))) {
            throw ApiException.unauthorized(SIGNATURE + ": signature does not match HMAC-SHA256(secret, ts + path with query)");
        }
    }
}
