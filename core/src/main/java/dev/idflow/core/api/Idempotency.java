package dev.idflow.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.IdempotencyStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The {@code Idempotency-Key} header of {@code POST /flow} and {@code POST /liveness2/session}: within 24 h
 * the same key with the same body (per consumer and kind of API key) answers the first answer again, the
 * same key with another body is refused (422), and of two requests at once with one key one runs while
 * the other waits for its answer (up to {@link #WAIT}, then 429 with {@code Retry-After}).
 *
 * <p>Only successful answers are kept: a refused or failed request gives its key back, so a retry after
 * a fix runs afresh. The stored answer holds neither a bearer token (vlink, access token) nor the
 * person_id: those fields are kept empty and filled again from the flow or session (the token from its
 * sealed copy). So the key's row holds ids, times and counts only, and a person's erasure leaves nothing
 * of them there: a replay for an erased resource is refused (422) as a key that can no longer answer.
 */
final class Idempotency {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Idempotency.class);
    static final String HEADER = "Idempotency-Key";
    static final Duration KEPT = Duration.ofHours(24);
    /** How long a claimant may run before another request may take its key (its node may have died). */
    static final Duration LEASE = Duration.ofSeconds(60);
    /** How long a second request with a key in use waits for the first's answer. */
    static final Duration WAIT = Duration.ofSeconds(5);
    static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    static final String KEY_RULE = "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-' (a UUID fits)";

    /** A created resource: the status, its id, and the whole answer (bearer token included). */
    record Created(int status, String resourceId, ObjectNode answer) {
    }

    @FunctionalInterface
    interface Operation {
        Created run(ApiRequest request) throws IOException;
    }

    /**
     * Puts the withheld fields back into a stored answer from the resource (the bearer token unsealed
     * again, the person_id); throws an ApiException if the resource is gone.
     */
    @FunctionalInterface
    interface Refill {
        void into(String resourceId, ObjectNode answer);
    }

    private final IdempotencyStore store;
    private final Supplier<Instant> now;
    private final Ids ids;
    private final int maxBodyBytes;
    private final byte[] hashKey;

    /** {@code hashKey}: the key request hashes are HMACs under (Idflow derives it from its secret). */
    Idempotency(IdempotencyStore store, Supplier<Instant> now, Ids ids, int maxBodyBytes, byte[] hashKey) {
        this.store = store;
        this.now = now;
        this.ids = ids;
        this.maxBodyBytes = maxBodyBytes;
        this.hashKey = hashKey.clone();
    }

    /**
     * Runs {@code operation} once per key: {@code name} tells operations apart (one key on two
     * operations is a mismatch), {@code withheld} are the answer's fields never stored, which
     * {@code refill} puts back on a replay.
     */
    ApiResponse run(Caller caller, ApiRequest request, String name, List<String> withheld, Operation operation,
                    Refill refill)
            throws IOException {
        String key = request.header(HEADER);
        if (key == null) {
            return respond(operation.run(request));
        }
        if (!KEY.matcher(key).matches()) {
            throw ApiException.invalid(HEADER + ": " + KEY_RULE);
        }
        byte[] body;
        try (InputStream in = request.body()) {
            // one byte over the limit is enough for the operation's own reader to refuse the body
            body = in == null ? new byte[0] : in.readNBytes(maxBodyBytes + 1);
        }
        ApiRequest buffered = new Buffered(request, body);
        String hash = requestHash(name, body);
        String scope = caller.consumerId() + "/" + (caller.test() ? "test" : "live");
        long waitUntil = System.nanoTime() + WAIT.toNanos();
        while (true) {
            String claimId = ids.token(16);
            Instant at = now.get();
            Optional<IdempotencyStore.Entry> inTheWay = store.claim(scope, key, hash, claimId, at, at.plus(KEPT),
                    at.plus(LEASE));
            if (inTheWay.isEmpty()) {
                return runClaimed(scope, key, claimId, withheld, operation, buffered);
            }
            IdempotencyStore.Entry entry = inTheWay.get();
            if (!Crypto.constantTimeEquals(entry.requestHash(), hash)
                    && !Crypto.constantTimeEquals(entry.requestHash(), legacyRequestHash(name, body))) {
                throw ApiException.invalid(HEADER + ": this key was used within 24 h with another request (another "
                        + "body or operation); the same key must come with the same body, a new request needs a new key");
            }
            if (entry.completed()) {
                ObjectNode answer = (ObjectNode) Json.mapper().readTree(entry.answer());
                refill.into(entry.resourceId(), answer);
                return ApiResponse.json(entry.status(), answer).header("Idempotent-Replayed", "true");
            }
            if (System.nanoTime() - waitUntil > 0) {
                throw new RetryLater(HEADER + ": a request with this key is still being processed; try again "
                        + "with the same key and body to get its answer", 1);
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetryLater(HEADER + ": a request with this key is still being processed", 1);
            }
        }
    }

    private ApiResponse runClaimed(String scope, String key, String claimId, List<String> withheld, Operation operation,
                                   ApiRequest request) throws IOException {
        Created created;
        try {
            created = operation.run(request);
        } catch (IOException | RuntimeException | Error e) {
            store.release(scope, key, claimId);
            throw e;
        }
        ObjectNode kept = created.answer().deepCopy();
        // neither a bearer token nor the person_id is kept with the key: both come back from the resource
        withheld.stream().filter(kept::has).forEach(kept::putNull);
        if (!store.complete(scope, key, claimId, created.status(), created.resourceId(), kept.toString())) {
            // the claim outlived its lease and another request took the key: this answer is still the caller's
            LOG.warn("an Idempotency-Key's claim ran out before its operation ended ({} s); its answer was not kept",
                    LEASE.toSeconds());
        }
        return respond(created);
    }

    private static ApiResponse respond(Created created) {
        return ApiResponse.json(created.status(), created.answer());
    }

    /**
     * HMAC-SHA256 under the host-derived key over the operation and the body as JSON with its object keys
     * sorted (the raw bytes if not JSON). Keyed, because the body holds the person_id (an IIN has 12 digits):
     * a plain digest in a copy of the database would let anyone confirm a guessed person offline.
     */
    String requestHash(String name, byte[] body) {
        return HexFormat.of().formatHex(Crypto.hmacSha256(hashKey, hashed(name, body)));
    }

    /** The unkeyed SHA-256 that rows written before the keyed hash hold (kept 24 h at most): still matched. */
    static String legacyRequestHash(String name, byte[] body) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(hashed(name, body)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The operation's name, a zero byte, the canonical body. */
    private static byte[] hashed(String name, byte[] body) {
        byte[] canonical;
        try {
            JsonNode tree = Json.mapper().readTree(body);
            canonical = tree == null ? body : Json.mapper().writeValueAsBytes(sorted(tree));
        } catch (IOException | RuntimeException e) {
            canonical = body;
        }
        byte[] named = name.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[named.length + 1 + canonical.length];
        System.arraycopy(named, 0, out, 0, named.length);
        System.arraycopy(canonical, 0, out, named.length + 1, canonical.length);
        return out;
    }

    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = Json.mapper().createObjectNode();
            for (String n : names) {
                out.set(n, sorted(object.get(n)));
            }
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = Json.mapper().createArrayNode();
            array.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return node;
    }

    /** The request with its body read once into memory (at most the JSON limit + 1 byte). */
    private record Buffered(ApiRequest request, byte[] bytes) implements ApiRequest {
        @Override
        public String method() {
            return request.method();
        }

        @Override
        public String rawPath() {
            return request.rawPath();
        }

        @Override
        public String rawQuery() {
            return request.rawQuery();
        }

        @Override
        public String header(String name) {
            return request.header(name);
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public List<UploadPart> parts() throws IOException {
            return request.parts();
        }

        @Override
        public String clientAddress() {
            return request.clientAddress();
        }
    }
}
