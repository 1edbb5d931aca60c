package dev.idflow.storage.jdbi;

import dev.idflow.core.spi.IdempotencyStore;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Idempotency-Keys in {@code idflow_idempotency_key}, primary key (scope, idem_key). A claim inserts the
 * row; when one is there, a guarded update takes it only if it expired or its claimant's lease ran out.
 * Of two nodes claiming one key at once the primary key lets one insert through, and the row lock makes
 * the guarded update's condition false for the second (the first's lease is fresh), so exactly one runs
 * the operation.
 */
final class JdbiIdempotencyStore implements IdempotencyStore {
    private static final String COLUMNS = "scope, idem_key, request_hash, claim_id, created_at, expires_at, lease_until, "
            + "status, resource_id, answer";

    private final Jdbi jdbi;
    private final Dialect dialect;

    JdbiIdempotencyStore(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
    }

    @Override
    public Optional<Entry> claim(String scope, String key, String requestHash, String claimId, Instant now,
                                 Instant expiresAt, Instant leaseUntil) {
        // the row found may vanish (released, purged) before it is read: then try again
        for (int attempt = 0; attempt < 5; attempt++) {
            if (insert(scope, key, requestHash, claimId, now, expiresAt, leaseUntil)) {
                return Optional.empty();
            }
            int taken = jdbi.withHandle(h -> h.createUpdate("UPDATE idflow_idempotency_key SET request_hash = :hash, "
                            + "claim_id = :claimId, created_at = :now, expires_at = :expiresAt, lease_until = :leaseUntil, "
                            + "status = NULL, resource_id = NULL, answer = NULL "
                            + "WHERE scope = :scope AND idem_key = :key "
                            + "AND (expires_at <= :now OR (status IS NULL AND lease_until <= :now))")
                    .bind("hash", requestHash).bind("claimId", claimId).bind("now", Sql.time(now))
                    .bind("expiresAt", Sql.time(expiresAt)).bind("leaseUntil", Sql.time(leaseUntil))
                    .bind("scope", scope).bind("key", key)
                    .execute());
            if (taken == 1) {
                return Optional.empty();
            }
            Optional<Entry> found = find(scope, key);
            if (found.isPresent()) {
                return found;
            }
        }
        throw new IllegalStateException("the Idempotency-Key changed hands too often to be claimed");
    }

    private boolean insert(String scope, String key, String requestHash, String claimId, Instant now,
                           Instant expiresAt, Instant leaseUntil) {
        String sql = "INSERT INTO idflow_idempotency_key (scope, idem_key, request_hash, claim_id, created_at, "
                + "expires_at, lease_until) VALUES (:scope, :key, :hash, :claimId, :now, :expiresAt, :leaseUntil)";
        if (dialect == Dialect.POSTGRESQL) {
            // ON CONFLICT DO NOTHING: a taken key is a row count of 0, not an error
            return jdbi.withHandle(h -> h.createUpdate(sql + " ON CONFLICT DO NOTHING")
                    .bind("scope", scope).bind("key", key).bind("hash", requestHash).bind("claimId", claimId)
                    .bind("now", Sql.time(now)).bind("expiresAt", Sql.time(expiresAt))
                    .bind("leaseUntil", Sql.time(leaseUntil))
                    .execute()) == 1;
        }
        try {
            jdbi.useHandle(h -> h.createUpdate(sql)
                    .bind("scope", scope).bind("key", key).bind("hash", requestHash).bind("claimId", claimId)
                    .bind("now", Sql.time(now)).bind("expiresAt", Sql.time(expiresAt))
                    .bind("leaseUntil", Sql.time(leaseUntil))
                    .execute());
            return true;
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    private Optional<Entry> find(String scope, String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_idempotency_key "
                        + "WHERE scope = :scope AND idem_key = :key")
                .bind("scope", scope).bind("key", key)
                .map((rs, ctx) -> new Entry(rs.getString("scope"), rs.getString("idem_key"),
                        rs.getString("request_hash"), rs.getString("claim_id"), Sql.time(rs, "created_at"),
                        Sql.time(rs, "expires_at"), Sql.time(rs, "lease_until"), Sql.integer(rs, "status"),
                        rs.getString("resource_id"), rs.getString("answer")))
                .findOne());
    }

    @Override
    public boolean complete(String scope, String key, String claimId, int status, String resourceId, String answer) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE idflow_idempotency_key SET status = :status, "
                        + "resource_id = :resourceId, answer = :answer "
                        + "WHERE scope = :scope AND idem_key = :key AND claim_id = :claimId AND status IS NULL")
                .bind("status", status).bind("resourceId", resourceId).bind("answer", answer)
                .bind("scope", scope).bind("key", key).bind("claimId", claimId)
                .execute()) == 1;
    }

    @Override
    public void release(String scope, String key, String claimId) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM idflow_idempotency_key "
                        + "WHERE scope = :scope AND idem_key = :key AND claim_id = :claimId AND status IS NULL")
                .bind("scope", scope).bind("key", key).bind("claimId", claimId)
                .execute());
    }

    /** Oldest first through the expiry index, at most {@code max} rows in one statement (no long lock). */
    @Override
    public int purgeExpired(Instant now, int max) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_idempotency_key WHERE (scope, idem_key) IN "
                        + "(SELECT scope, idem_key FROM idflow_idempotency_key WHERE expires_at <= :now "
                        + "ORDER BY expires_at LIMIT :max)")
                .bind("now", Sql.time(now))
                .bind("max", max)
                .execute());
    }
}
