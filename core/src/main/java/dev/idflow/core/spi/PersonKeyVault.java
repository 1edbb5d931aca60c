package dev.idflow.core.spi;

import java.util.Optional;

/**
 * Where the per-person data keys live (crypto-shredding): every value idflow stores about a person is sealed
 * under that person's key, and erasing the person destroys the key, so what a database file still holds of
 * the deleted rows can no longer be read. A key is named by its key id ({@code hmac:<32 hex>/t} or {@code /l}:
 * a keyed digest of consumer and person_id, never the person_id). The material is opaque bytes that idflow
 * made (the key, and the person_id sealed under it).
 *
 * <p>Every vault passes {@code PersonKeyVaultContractTest}. A vault may be shared by many nodes: two nodes
 * putting a key for one id at once both get the one that was stored first.
 */
public interface PersonKeyVault {

    /** Stores {@code material} under {@code keyId} unless a key is there; returns what is stored (the first wins). */
    byte[] putIfAbsent(String keyId, byte[] material);

    /** The material stored under {@code keyId}, if any. */
    Optional<byte[]> find(String keyId);

    /** Destroys the key for good (as far as the medium allows); true when there was one. Idempotent. */
    boolean destroy(String keyId);
}
