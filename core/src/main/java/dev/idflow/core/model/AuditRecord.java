package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the audit trail ({@link dev.idflow.core.spi.AuditTrail}): who ({@code actor}, the principal the
 * host passed, or the API key's display form for a consumer API call), did what ({@code action}, e.g.
 * {@code session.review}, {@code person.erase}, {@code api_key.add}, {@code file.downloaded}) to what
 * ({@code targetType} and {@code targetId}: a session id, a person id, a list name, a key's display form, a
 * file id), when ({@code at}, the
 * Clock's). {@code details} is short text naming the change (an outcome and reason, a list entry's field);
 * never biometric data and never a secret. Records are only ever appended.
 */
public record AuditRecord(String recordId, String consumerId, Instant at, String actor, String action,
                          String targetType, String targetId, String details) {
    public AuditRecord {
        Objects.requireNonNull(recordId, "recordId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
    }
}
