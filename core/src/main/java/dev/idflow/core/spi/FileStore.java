package dev.idflow.core.spi;

import dev.idflow.core.model.StoredFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/**
 * File content and its metadata. Content moves as streams: a liveness video can be tens of
 * megabytes and is never held whole in memory by a store meant for production.
 *
 * <p>A file saved unbound ({@code bound == false}) is stored but found by no {@link #findNewest}
 * until bound. The engine binds the files of a verdict in the very commit that records the verdict
 * ({@link FlowChange#bindFiles()}, applied by {@link IdflowStorage#commit}); the stores idflow ships
 * do that in the commit's transaction. A store of a host's own, behind a database store, has its
 * {@link #bind} called right after the commit succeeded instead: a crash in between leaves a verdict
 * without its file, never a file of another attempt.
 */
public interface FileStore {

    /**
     * Reads {@code content} to its end and stores it under {@code file.fileId()}; returns the metadata
     * with the size actually written. Same file id → {@link DuplicateKeyException}.
     */
    StoredFile save(StoredFile file, InputStream content) throws IOException;

    /**
     * The newest bound file (created_at, then file id) of {@code consumerId} with {@code label} among
     * those {@code query} selects, of the query's kind (test or live). Files of other consumers, of the
     * other kind, and unbound files are never returned.
     */
    Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query);

    /**
     * An input file the consumer stored for {@code personId} with {@code POST /resources/storage}, by the id
     * that call answered ({@code session_id}: the file's {@link StoredFile#sessionId()}), whatever its label:
     * the newest bound file of that session, consumer, person and kind ({@code test}), else empty.
     */
    Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test);

    /**
     * The metadata of the file {@code fileId}, bound or not (the caller decides whether an unbound file
     * counts), with its size; empty when there is no such file. The operator console finds a file by the id
     * its flow's detail named. The default refuses: a store of a host's own answers it once it can.
     */
    default Optional<StoredFile> findById(String fileId) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot find a file by its id");
    }

    /** Opens the content of a stored file; the caller closes the stream. Empty when no such file. */
    Optional<InputStream> open(String fileId) throws IOException;

    /** Makes the files findable; ids of files that do not exist are ignored. Idempotent. */
    void bind(Collection<String> fileIds);

    /**
     * Deletes a file, metadata and content; false when there was none. Used for the files of an
     * attempt that was refused or lost its race: they were never bound, and never will be.
     */
    boolean delete(String fileId) throws IOException;

    /**
     * Deletes up to {@code limit} unbound files created before {@code createdBefore}, oldest first;
     * returns how many. Such files belong to attempts whose node died between saving them and the
     * verdict's commit: no download ever found them. Each one is deleted only if it is still unbound at
     * that moment, so two nodes purging at once, or a late commit binding one, lose nothing bound.
     */
    int purgeUnbound(java.time.Instant createdBefore, int limit) throws IOException;
}
