package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored file's metadata. The bytes live in a {@link dev.idflow.core.spi.FileStore}; {@code size}
 * is known only once the content has been written. {@code flowId}, {@code sessionId} may be null.
 *
 * <p>{@code test}: written for a test flow, a test session or a test key; a download finds only files
 * of the caller's own kind, so a test key never reads a live file and never plants one a live key reads.
 *
 * <p>{@code attemptId}: the liveness attempt (or the service run) that wrote the file, null for a
 * consumer's own upload. {@code bound}: findable by a download. A file written for a verdict is saved
 * unbound and becomes findable only in the commit that records that verdict
 * ({@link dev.idflow.core.spi.FlowChange#bindFiles()}): the file of an attempt that was refused, lost a
 * race or died with its node is never downloaded in place of the attempt that counted.
 */
public record StoredFile(
        String fileId,
        String consumerId,
        String personId,
        String flowId,
        String sessionId,
        String label,
        String contentType,
        String fileName,
        long size,
        Instant createdAt,
        boolean test,
        String attemptId,
        boolean bound) {

    public StoredFile {
        Objects.requireNonNull(fileId, "fileId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(personId, "personId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public StoredFile withSize(long newSize) {
        return new StoredFile(fileId, consumerId, personId, flowId, sessionId, label, contentType, fileName, newSize,
                createdAt, test, attemptId, bound);
    }

    /** This file as the commit that binds it leaves it: findable. */
    public StoredFile asBound() {
        return new StoredFile(fileId, consumerId, personId, flowId, sessionId, label, contentType, fileName, size,
                createdAt, test, attemptId, true);
    }
}
