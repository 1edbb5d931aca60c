package dev.idflow.core.keys;

import dev.idflow.core.internal.Crypto;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The one place a person is turned into a reference: {@code hmac:} and 32 hex digits of HMAC-SHA256 of
 * consumer id and person_id under a key derived from the server's pepper, the same on every node. The audit
 * trail names a person by it ({@code Audit.personRef}), and {@link SealedStorage} stores it, with the kind
 * ({@code /t} test, {@code /l} live), in every person_id column: the person's key id.
 */
public final class PersonRefs {
    /** A key id: a reference and the kind. */
    public static final Pattern KEY_ID = Pattern.compile("hmac:[0-9a-f]{32}/[tl]");
    /** The length of every key id. */
    public static final int KEY_ID_LENGTH = 39;
    private final byte[] key;

    /** {@code pepper}: the server's secret the reference key is derived from (at least 32 bytes). */
    public PersonRefs(byte[] pepper) {
        this.key = Crypto.hmacSha256(pepper, "idflow audit person reference".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The references Idflow makes from the host's {@code secretKey} (or its {@code apiKeyPepper}, when it gives
     * one): for a host that needs the sealed store before it builds Idflow (to hand a service its repository).
     */
    public static PersonRefs fromSecret(byte[] secretKeyOrPepper) {
        return new PersonRefs(Crypto.hmacSha256(secretKeyOrPepper,
                "idflow one-time code pepper".getBytes(StandardCharsets.UTF_8)));
    }

    /** The reference of a consumer's person: {@code hmac:<32 hex>}. */
    public String ref(String consumerId, String personId) {
        return "hmac:" + Crypto.hmacSha256Hex(key, consumerId + "\n" + personId).substring(0, 32);
    }

    /** The id of the person's key of one kind: the reference and {@code /t} (test) or {@code /l} (live). */
    public String keyId(String consumerId, String personId, boolean test) {
        return ref(consumerId, personId) + (test ? "/t" : "/l");
    }

    /** Whether a stored person_id column holds a key id (a sealed row) rather than a person_id (a row of before). */
    public static boolean isKeyId(String value) {
        return value != null && value.length() == KEY_ID_LENGTH && KEY_ID.matcher(value).matches();
    }
}
