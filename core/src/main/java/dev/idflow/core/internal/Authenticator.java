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
import dev.idflow.core.spi.SignatureLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the consumer API's headers: the API key (looked up by its peppered hash), the API version, and for
 * live keys — or test keys that choose to sign — the timestamp and HMAC-SHA256 over ts + path-with-query.
 *
 * <p>A signed request is served once. The signature covers ts and path but not the body, so a request
 * captured in flight or from a log could otherwise be sent again within the timestamp window, with the
 * same path and any body. After the signature checks out (never before: unauthenticated junk is not
 * recorded), its (key, signature) is recorded in the {@link SignatureLedger}, whose unique key decides
 * across nodes; a node-local cache in front refuses a repeat seen here without a database round trip.
 * A client therefore signs every request anew, and two identical requests within one second (same ts,
 * same path) need two timestamps: the second is refused.
 */
public final class Authenticator {
    public static final String API_KEY = "X-Verigram-Api-Key";
    public static final String API_VERSION = "X-Verigram-Api-Version";
    public static final String TIMESTAMP = "X-Verigram-Ts";
    public static final String SIGNATURE = "X-Verigram-Hmac-SHA256";
    /** How old a ts may be: the window within which a captured request would still be usable. */
    static final long MAX_PAST_SKEW_SECONDS = 300;
    /**
     * How far ahead a ts may be. Tighter than the past: a future ts lengthens the life of a captured
     * request, and a client's clock a minute fast is already broken.
     */
    static final long MAX_FUTURE_SKEW_SECONDS = 60;
    /**
     * Records of used signatures are kept this long past the end of their window, so that a node whose
     * clock is behind the purging node's by up to this much still finds them while it would accept the ts.
     */
    static final long LEDGER_MARGIN_SECONDS = 60;
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
    private final SignatureLedger ledger;
    // Signatures this node has seen, for as long as their ts could still be accepted. Only a shortcut:
    // an entry evicted early (size bound) just means the ledger decides, as it does for other nodes' uses.
    private final Cache<String, Boolean> seenSignatures;

    public Authenticator(ApiKeyDirectory directory, SecretCipher cipher, ApiKeyHasher hasher, SignatureLedger ledger,
                         Clock clock, Duration cacheTtl) {
        this.directory = directory;
        this.cipher = cipher;
        this.hasher = hasher;
        this.ledger = ledger;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(cacheTtl).build();
        this.seenSignatures = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterWrite(Duration.ofSeconds(MAX_PAST_SKEW_SECONDS + MAX_FUTURE_SKEW_SECONDS)).build();
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
        checkSignature(request, signedPath, resolved, keyHash);
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

    private void checkSignature(ApiRequest request, String signedPath, ResolvedKey resolved, String keyHash) {
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
        // subtraction, not Math.abs: a ts near Long.MIN_VALUE must not overflow into the window
        if (seconds < now - MAX_PAST_SKEW_SECONDS || seconds > now + MAX_FUTURE_SKEW_SECONDS) {
            throw ApiException.unauthorized(TIMESTAMP + ": must be unix seconds at most " + MAX_PAST_SKEW_SECONDS
                    + " before and " + MAX_FUTURE_SKEW_SECONDS + " after the server clock");
        }
        if (resolved.secret() == null) {
            throw ApiException.unauthorized(SIGNATURE + ": this key has no secret, so its signature cannot be checked");
        }
        String expected = Crypto.hmacSha256Hex(resolved.secret(), ts.trim() + signedPath);
        String sent = signature.trim().toLowerCase(Locale.ROOT);
        if (!Crypto.constantTimeEquals(expected, sent)) {
            throw ApiException.unauthorized(SIGNATURE + ": signature does not match HMAC-SHA256(secret, ts + path with query)");
        }
        // the normalised signature, so that the same one in upper case is the same request
        useOnce(keyHash, seconds, sent);
    }

    /** Records the first use of a checked signature; a repeat, on this node or any other → 401. */
    private void useOnce(String keyHash, long ts, String signature) {
        String signatureHash = Crypto.sha256Hex(signature);
        String local = keyHash + "\n" + signatureHash;
        if (seenSignatures.asMap().putIfAbsent(local, Boolean.TRUE) != null) {
            throw replayed();
        }
        boolean first;
        try {
            // the window ends when the ts turns too old on this node's clock; the margin covers other nodes'
            first = ledger.firstUse(keyHash, ts, signatureHash,
                    Instant.ofEpochSecond(ts + MAX_PAST_SKEW_SECONDS + LEDGER_MARGIN_SECONDS));
        } catch (RuntimeException e) {
            // nothing known to be recorded: let a retry of this request be judged by the ledger again
            seenSignatures.invalidate(local);
            throw e;
        }
        if (!first) {
            throw replayed();
        }
    }

    private static ApiException replayed() {
        return ApiException.unauthorized(SIGNATURE + ": this signed request was already used; a signed request is "
                + "served once, so sign each request with its own " + TIMESTAMP);
    }
}
