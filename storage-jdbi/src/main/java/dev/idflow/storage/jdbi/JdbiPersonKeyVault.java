package dev.idflow.storage.jdbi;

import dev.idflow.core.spi.PersonKeyVault;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Person keys in {@code idflow_person_key} (schema V12), JdbiStorage's own vault. The primary key decides
 * between two nodes putting a key for one person at once: one insert lands, the other reads it back.
 * Destroying deletes the row. The remanence caveat: PostgreSQL keeps the deleted row as a dead tuple until
 * VACUUM, H2 in old file chunks, so for an erasure that leaves nothing readable in the database files keep
 * the keys out of them ({@code DirectoryKeyVault}, or a host's own KMS-backed vault).
 */
public final class JdbiPersonKeyVault implements PersonKeyVault {
    private final Jdbi jdbi;

    JdbiPersonKeyVault(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public byte[] putIfAbsent(String keyId, byte[] material) {
        Optional<byte[]> existing = find(keyId);
        if (existing.isPresent()) {
            return existing.get();
        }
        try {
            // alone in its statement (autocommit): a refused insert leaves nothing behind, on either database
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO idflow_person_key (key_id, material) VALUES (:keyId, :material)")
                    .bind("keyId", keyId).bind("material", material)
                    .execute());
            return material.clone();
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                return find(keyId).orElseThrow(() -> new IllegalStateException("the person key " + keyId
                        + " was destroyed while it was being stored"));
            }
            throw e;
        }
    }

    @Override
    public Optional<byte[]> find(String keyId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT material FROM idflow_person_key WHERE key_id = :keyId")
                .bind("keyId", keyId)
                .map((rs, ctx) -> rs.getBytes("material"))
                .findOne());
    }

    @Override
    public boolean destroy(String keyId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_person_key WHERE key_id = :keyId")
                .bind("keyId", keyId).execute()) > 0;
    }
}
