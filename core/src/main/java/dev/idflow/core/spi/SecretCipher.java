package dev.idflow.core.spi;

/**
 * Encrypts API-key secrets at rest with a key the host application supplies (a KMS, an HSM, a key
 * file). {@link dev.idflow.core.internal.AesGcmSecretCipher} is the default, given a 256-bit key.
 */
public interface SecretCipher {
    byte[] encrypt(byte[] plaintext);

    byte[] decrypt(byte[] ciphertext);
}
