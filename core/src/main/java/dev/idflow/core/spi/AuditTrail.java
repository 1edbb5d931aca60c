package dev.idflow.core.spi;

import dev.idflow.core.model.AuditRecord;
import java.time.Instant;
import java.util.List;

/**
 * The audit trail: append-only. There is no update and no delete; a record stays for as long as the host
 * keeps the table (a person's erasure does not remove the record that it happened, which names only the
 * person_id the consumer gave).
 */
public interface AuditTrail {

    /** Stores a record. Same record id → {@link DuplicateKeyException}. */
    void append(AuditRecord record);

    /**
     * The consumer's records with {@code from ≤ at < to}, in order of (at, recordId), those after
     * {@code after} (a record a previous page ended with; null for the first page), at most {@code limit}.
     */
    List<AuditRecord> list(String consumerId, Instant from, Instant to, AuditRecord after, int limit);
}
