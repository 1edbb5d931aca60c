package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored file's metadata. The bytes live in a {@link dev.idflow.core.spi.FileStore}; {@code size}
 * is known only once the content has been written. {@code flowId}, {@code sessionId} may be null.
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
        Instant createdAt) {

    public StoredFile {
        Objects.requireNonNull(fileId, "fileId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(personId, "personId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public StoredFile withSize(long newSize) {
        return new StoredFile(fileId, consumerId, personId, flowId, sessionId, label, contentType, fileName, newSize, createdAt);
    }
}
