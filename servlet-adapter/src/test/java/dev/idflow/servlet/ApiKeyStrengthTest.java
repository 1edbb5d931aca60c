package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.Idflow;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.model.ApiKey;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.storage.memory.InMemoryStorage;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * API keys and secrets carry at least 128 bits (32 characters or more), are stored as HMAC-SHA256
 * under a server-side pepper, and keep at most 4 characters in clear.
 */
class ApiKeyStrengthTest {
    private static final String KEY = "k".repeat(31) + "1";
    private static final String SECRET = "s".repeat(31) + "1";

    private static Idflow idflow(InMemoryStorage storage, byte[] secretKey) {
        Idflow idflow = Idflow.builder().storage(storage).publicBaseUrl("https://bank.example/kyc")
                .secretKey(secretKey).build();
        idflow.registerConsumer("acme", "Acme Bank");
        return idflow;
    }

    private static Optional<ApiKey> stored(InMemoryStorage storage, byte[] secretKey, String apiKey) {
        // the documented derivation, computed here independently: pepper = HMAC-SHA256(secretKey, label),
        // stored hash = HMAC-SHA256(pepper, key)
        return storage.apiKeys().findKeyByHash(Crypto.hmacSha256Hex(
                Crypto.hmacSha256(secretKey, "idflow api-key pepper v1".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                apiKey));
    }

    @Test
    void anEightCharacterKeyOrSecretIsRefusedNamingTheRule() {
        Idflow idflow = idflow(new InMemoryStorage(), new byte[32]);

        assertThatThrownBy(() -> idflow.addTestKey("acme", "abcd1234"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API key").hasMessageContaining("32 to 256").hasMessageContaining("128 bits")
                .hasMessageNotContaining("abcd1234");
        assertThatThrownBy(() -> idflow.addLiveKey("acme", KEY, "abcd1234"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API secret").hasMessageContaining("128 bits")
                .hasMessageNotContaining("abcd1234");
        assertThatThrownBy(() -> idflow.addTestKey("acme", KEY.substring(1), SECRET))
                .hasMessageContaining("API key").hasMessageContaining("31 characters");
        assertThatThrownBy(() -> idflow.addLiveKey("acme", KEY, SECRET.substring(1)))
                .hasMessageContaining("API secret").hasMessageContaining("31 characters");
    }

    @Test
    void thirtyTwoCharacterKeysAndSecretsAreAccepted() {
        InMemoryStorage storage = new InMemoryStorage();
        idflow(storage, new byte[32]).addLiveKey("acme", KEY, SECRET);

        assertThat(stored(storage, new byte[32], KEY)).isPresent();
    }

    @Test
    void generatedKeysAndSecretsCarryAtLeast128Bits() {
        Idflow idflow = idflow(new InMemoryStorage(), new byte[32]);
        Idflow.LiveKey live = idflow.newLiveKey("acme");
        String test = idflow.newTestKey("acme");

        assertThat(live.apiKey()).startsWith("live_").hasSizeGreaterThanOrEqualTo(32 + 5);
        assertThat(live.secret()).hasSizeGreaterThanOrEqualTo(32);
        assertThat(test).startsWith("test_").hasSizeGreaterThanOrEqualTo(32 + 5);
    }

    @Test
    void theStoredHashIsPepperedNotAPlainSha256OfTheKey() {
        InMemoryStorage storage = new InMemoryStorage();
        idflow(storage, new byte[32]).addTestKey("acme", KEY);

        assertThat(storage.apiKeys().findKeyByHash(Crypto.sha256Hex(KEY))).isEmpty();
        assertThat(stored(storage, new byte[32], KEY)).isPresent();
    }

    @Test
    void anotherServerSecretMakesAnotherHashSoADatabaseCopyAloneMatchesNothing() {
        InMemoryStorage storage = new InMemoryStorage();
        byte[] other = new byte[32];
        other[0] = 1;
        idflow(storage, other).addTestKey("acme", KEY);

        assertThat(stored(storage, new byte[32], KEY)).isEmpty();
        assertThat(stored(storage, other, KEY)).isPresent();
    }

    @Test
    void atMostFourCharactersOfAKeyAreKeptInClear() {
        InMemoryStorage storage = new InMemoryStorage();
        Idflow idflow = idflow(storage, new byte[32]);
        idflow.addTestKey("acme", "ABCDEFGH" + KEY);
        Idflow.LiveKey live = idflow.newLiveKey("acme");

        assertThat(stored(storage, new byte[32], "ABCDEFGH" + KEY).orElseThrow().keyPrefix()).isEqualTo("ABCD");
        assertThat(stored(storage, new byte[32], live.apiKey()).orElseThrow().keyPrefix())
                .isEqualTo(live.apiKey().substring(5, 9));
    }

    @Test
    void anOwnCipherWithoutASecretKeyNeedsAPepper() {
        SecretCipher cipher = new SecretCipher() {
            @Override
            public byte[] encrypt(byte[] plaintext) {
                return plaintext.clone();
            }

            @Override
            public byte[] decrypt(byte[] ciphertext) {
                return ciphertext.clone();
            }
        };
        Idflow.Builder builder = Idflow.builder().storage(new InMemoryStorage())
                .publicBaseUrl("https://bank.example/kyc").secretCipher(cipher);

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("apiKeyPepper");
        Idflow idflow = builder.apiKeyPepper(new byte[32]).build();
        idflow.registerConsumer("acme", "Acme Bank");
        idflow.addLiveKey("acme", KEY, SECRET);
        assertThatThrownBy(() -> Idflow.builder().apiKeyPepper(new byte[16]).storage(new InMemoryStorage())
                .publicBaseUrl("https://bank.example/kyc").build())
                .hasMessageContaining("32 bytes");
    }
}
