package dev.idflow.storage.jdbi;

import dev.idflow.core.spi.SignatureLedger;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/**
 * Signed requests served, in {@code idflow_request_signature}. The primary key (key_hash,
 * signature_hash) decides across nodes: of two nodes recording the same request at once, one inserts
 * the row and the other finds the key taken, so exactly one serves it.
 */
final class JdbiSignatureLedger implements SignatureLedger {
    private static final String VALUES = "(key_hash, signature_hash, signed_ts, expires_at) "
            + "VALUES (:keyHash, :signatureHash, :ts, :expiresAt)";

    private final Jdbi jdbi;
    private final Dialect dialect;

    JdbiSignatureLedger(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
    }

    @Override
    public boolean firstUse(String keyHash, long ts, String signatureHash, Instant expiresAt) {
        if (dialect == Dialect.POSTGRESQL) {
            // ON CONFLICT DO NOTHING: a repeat is a row count of 0, not an error that would abort a transaction
            return jdbi.withHandle(h -> h.createUpdate("INSERT INTO idflow_request_signature " + VALUES
                            + " ON CONFLICT DO NOTHING")
                    .bind("keyHash", keyHash).bind("signatureHash", signatureHash).bind("ts", ts)
                    .bind("expiresAt", Sql.time(expiresAt))
                    .execute()) == 1;
        }
        // H2 has no ON CONFLICT outside its PostgreSQL mode; the refused insert (autocommit, alone in its
        // statement) leaves nothing behind
        try {
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO idflow_request_signature " + VALUES)
                    .bind("keyHash", keyHash).bind("signatureHash", signatureHash).bind("ts", ts)
                    .bind("expiresAt", Sql.time(expiresAt))
                    .execute());
            return true;
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Oldest first through the expiry index, at most {@code max} rows in one statement, so that a purge
     * after a long pause never holds a long lock. Two nodes purging at once may pick the same rows; a row
     * is deleted once and the other node's delete of it counts nothing.
     */
    @Override
    public int purgeExpired(Instant now, int max) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_request_signature WHERE (key_hash, signature_hash) IN "
                        + "(SELECT key_hash, signature_hash FROM idflow_request_signature WHERE expires_at < :now "
                        + "ORDER BY expires_at LIMIT :max)")
                .bind("now", Sql.time(now))
                .bind("max", max)
                .execute());
    }
}
