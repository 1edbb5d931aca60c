package dev.idflow.core;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.spi.AuditTrail;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The audit trail, read by the host: operator reviews, resumes, KYC- and face-list changes, retention
 * changes, erasures, API key changes and the console's file downloads ({@code file.downloaded}), each with
 * who (the actor), what and when. Append-only: nothing here or in the SPI changes or deletes a record.
 */
public final class Audit {
    /** Records a page holds at most. */
    public static final int PAGE = 100;
    private final AuditTrail trail;
    private final java.util.function.BinaryOperator<String> personRef;

    Audit(AuditTrail trail, java.util.function.BinaryOperator<String> personRef) {
        this.trail = trail;
        this.personRef = personRef;
    }

    /**
     * How records name {@code personId} of the consumer (target type {@code person}): a keyed digest, never the
     * id itself, so an erasure's record keeps nothing of the person. Compare a record's target with this.
     */
    public String personRef(String consumerId, String personId) {
        return personRef.apply(consumerId, personId);
    }

    /** One page and the cursor for the next ({@code null} when this is the last). */
    public record Page(List<AuditRecord> records, String nextCursor) {
    }

    /**
     * The consumer's records with {@code from ≤ at < to}, oldest first, a page at a time: {@code cursor} is
     * null for the first page, then the page's {@code nextCursor}.
     *
     * @throws IllegalArgumentException for a cursor this method did not hand out
     */
    public Page list(String consumerId, Instant from, Instant to, String cursor) {
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        AuditRecord after = cursor == null ? null : decode(consumerId, cursor);
        List<AuditRecord> records = trail.list(consumerId, from, to, after, PAGE + 1);
        if (records.size() <= PAGE) {
            return new Page(records, null);
        }
        List<AuditRecord> page = records.subList(0, PAGE);
        AuditRecord last = page.get(PAGE - 1);
        return new Page(List.copyOf(page), last.at().toEpochMilli() + "." + last.recordId());
    }

    private static AuditRecord decode(String consumerId, String cursor) {
        int dot = cursor.indexOf('.');
        try {
            if (dot <= 0) {
                throw new NumberFormatException();
            }
            Instant at = Instant.ofEpochMilli(Long.parseLong(cursor.substring(0, dot)));
            return new AuditRecord(cursor.substring(dot + 1), consumerId, at, "-", "-", null, null, null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cursor: must be a nextCursor this method returned");
        }
    }
}
