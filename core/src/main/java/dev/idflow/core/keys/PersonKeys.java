package dev.idflow.core.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.idflow.core.spi.PersonKeyVault;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-person data keys: random 256-bit AES keys from {@link SecureRandom}, one per consumer, person and
 * kind (test and live apart), kept in a {@link PersonKeyVault} and cached on this node for at most the TTL
 * (so an erasure on another node wins here within it). Sealing is AES-256-GCM with a random 96-bit nonce and
 * the value's place (table.column, a newline, the row id) as associated data: a sealed value copied into
 * another row or column does not open. Cipher instances are kept per thread.
 *
 * <p>The vault's material is {@code 0x01 || key (32) || nonce (12) || GCM(key, person_id)} with the key id as
 * associated data: the vault never holds the person_id in clear either.
 */
public final class PersonKeys {
    static final int NONCE = 12;
    static final int TAG = 16;
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    });

    /** One person's key: its id, the AES key and the person_id it is for. */
    public record Key(String keyId, SecretKey secret, String personId) {
        public Key {
            Objects.requireNonNull(keyId, "keyId");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(personId, "personId");
        }

        @Override
        public String toString() {
            return "Key[" + keyId + "]";
        }
    }

    /** A sealed value that does not open: its key was destroyed, or it was tampered with or moved. */
    public static final class SealBroken extends RuntimeException {
        public SealBroken(String message) {
            super(message);
        }
    }

    private final PersonKeyVault vault;
    private final PersonRefs refs;
    private final SecureRandom random;
    private final Cache<String, Key> cache;

    public PersonKeys(PersonKeyVault vault, PersonRefs refs, SecureRandom random, Duration ttl, Clock clock) {
        this.vault = Objects.requireNonNull(vault, "vault");
        this.refs = Objects.requireNonNull(refs, "refs");
        this.random = Objects.requireNonNull(random, "random");
        Clock c = Objects.requireNonNull(clock, "clock");
        this.cache = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(100_000)
                .ticker(() -> c.millis() * 1_000_000L).build();
    }

    public PersonRefs refs() {
        return refs;
    }

    public PersonKeyVault vault() {
        return vault;
    }

    /** The person's key of that kind, made and stored first if there is none (two nodes at once get one key). */
    public Key forWrite(String consumerId, String personId, boolean test) {
        String keyId = refs.keyId(consumerId, personId, test);
        Key cached = cache.getIfPresent(keyId);
        if (cached != null && cached.personId().equals(personId)) {
            return cached;
        }
        Optional<Key> stored = vault.find(keyId).map(m -> decode(keyId, m));
        Key key = stored.orElseGet(() -> {
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            byte[] material = encode(keyId, secret, personId);
            Arrays.fill(secret, (byte) 0);
            return decode(keyId, vault.putIfAbsent(keyId, material));
        });
        cache.put(keyId, key);
        return key;
    }

    /** The key with that id, if it exists (cached for the TTL). */
    public Optional<Key> find(String keyId) {
        Key cached = cache.getIfPresent(keyId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Key> key = vault.find(keyId).map(m -> decode(keyId, m));
        key.ifPresent(k -> cache.put(keyId, k));
        return key;
    }

    /** Destroys the key: nothing sealed under it opens again, on this node at once, on others within the TTL. */
    public boolean destroy(String keyId) {
        cache.invalidate(keyId);
        boolean was = vault.destroy(keyId);
        cache.invalidate(keyId);
        return was;
    }

    void randomBytes(byte[] into) {
        random.nextBytes(into);
    }

    /** {@code nonce || ciphertext+tag}. */
    public byte[] seal(Key key, String place, byte[] plain) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] out = new byte[NONCE + plain.length + TAG];
        System.arraycopy(nonce, 0, out, 0, NONCE);
        gcm(Cipher.ENCRYPT_MODE, key.secret(), nonce, place, plain, 0, plain.length, out, NONCE);
        return out;
    }

    public byte[] open(Key key, String place, byte[] sealed) {
        if (sealed.length < NONCE + TAG) {
            throw new SealBroken("a sealed value of " + place + " is too short");
        }
        byte[] nonce = Arrays.copyOf(sealed, NONCE);
        byte[] out = new byte[sealed.length - NONCE - TAG];
        gcm(Cipher.DECRYPT_MODE, key.secret(), nonce, place, sealed, NONCE, sealed.length - NONCE, out, 0);
        return out;
    }

    public String sealString(Key key, String place, String plain) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(seal(key, place, plain.getBytes(StandardCharsets.UTF_8)));
    }

    public String openString(Key key, String place, String sealed) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(sealed);
        } catch (IllegalArgumentException e) {
            throw new SealBroken("a sealed value of " + place + " is not base64");
        }
        return new String(open(key, place, bytes), StandardCharsets.UTF_8);
    }

    static void gcm(int mode, SecretKey secret, byte[] nonce, String place, byte[] in, int off, int len, byte[] out,
                    int outOff) {
        Cipher cipher = CIPHERS.get();
        try {
            cipher.init(mode, secret, new GCMParameterSpec(TAG * 8, nonce));
            cipher.updateAAD(place.getBytes(StandardCharsets.UTF_8));
            cipher.doFinal(in, off, len, out, outOff);
        } catch (AEADBadTagException e) {
            throw new SealBroken("a sealed value of " + place + " does not open under its key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    private byte[] encode(String keyId, byte[] secret, String personId) {
        byte[] person = personId.getBytes(StandardCharsets.UTF_8);
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        ByteBuffer b = ByteBuffer.allocate(1 + 32 + NONCE + person.length + TAG);
        b.put((byte) 1).put(secret).put(nonce);
        byte[] out = b.array();
        gcm(Cipher.ENCRYPT_MODE, new SecretKeySpec(secret, "AES"), nonce, "idflow_person_key\n" + keyId, person, 0,
                person.length, out, 1 + 32 + NONCE);
        return out;
    }

    private static Key decode(String keyId, byte[] material) {
        if (material.length < 1 + 32 + NONCE + TAG || material[0] != 1) {
            throw new SealBroken("the stored key " + keyId + " is not one idflow made");
        }
        SecretKeySpec secret = new SecretKeySpec(material, 1, 32, "AES");
        byte[] nonce = Arrays.copyOfRange(material, 33, 33 + NONCE);
        byte[] person = new byte[material.length - 1 - 32 - NONCE - TAG];
        gcm(Cipher.DECRYPT_MODE, secret, nonce, "idflow_person_key\n" + keyId, material, 33 + NONCE,
                material.length - 33 - NONCE, person, 0);
        return new Key(keyId, secret, new String(person, StandardCharsets.UTF_8));
    }
}
