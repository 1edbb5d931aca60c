package dev.idflow.core.spi;

import dev.idflow.core.model.StoredFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * File content and its metadata. Content moves as streams: a liveness video can be tens of
 * megabytes and is never held whole in memory by a store meant for production.
 */
public interface FileStore {

    /**
     * Reads {@code content} to its end and stores it under {@code file.fileId()}; returns the metadata
     * with the size actually written. Same file id → {@link DuplicateKeyException}.
     */
    StoredFile save(StoredFile file, InputStream content) throws IOException;

    /**
     * The newest file (created_at, then file id) of {@code consumerId} with {@code label} among those
     * {@code query} selects. Files of other consumers are never returned.
     */
    Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query);

    /** Opens the content of a stored file; the caller closes the stream. Empty when no such file. */
    Optional<InputStream> open(String fileId) throws IOException;
}
