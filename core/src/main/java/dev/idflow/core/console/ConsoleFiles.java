package dev.idflow.core.console;

import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The files of a flow for an operator: found by id in the host's {@link FileStore} (the same store, and so
 * the same decryption behind {@code SealedStorage}, the consumer API's {@code GET /resources/file} reads),
 * only when bound and of a granted consumer. Reading one from its first byte is recorded in the audit
 * trail as {@code file.downloaded}; a read that starts later (a video's next Range) is not, so playing a
 * video leaves one record, not one per chunk the browser asks for.
 */
public final class ConsoleFiles {
    static final String DOWNLOADED = "file.downloaded";

    private final FileStore files;
    private final ConsoleApi.AuditSink audit;

    ConsoleFiles(FileStore files, ConsoleApi.AuditSink audit) {
        this.files = files;
        this.audit = audit;
    }

    /** The file for {@code op}, or 404 exactly as an unknown id when it is unbound or of a consumer not granted. */
    Download find(Operator op, String fileId) {
        Optional<StoredFile> found;
        try {
            found = fileId == null || fileId.isEmpty() || fileId.length() > 64 ? Optional.empty() : files.findById(fileId);
        } catch (UnsupportedOperationException e) {
            // a host's own file store written before FileStore.findById: say what it lacks, not a 500
            throw new ConsoleException(501, "NOT_SUPPORTED", null, "files: this server's file store ("
                    + files.getClass().getName() + ") cannot find a file by its id (FileStore.findById)");
        }
        // an unbound file is an attempt that did not count (or not yet): no download finds it
        if (found.isEmpty() || !found.get().bound() || !op.grants(found.get().consumerId())) {
            throw ConsoleException.notFound("file " + fileId);
        }
        return new Download(found.get(), op.principal());
    }

    /** How a flow's detail names a file: the type it is served as, its size and time, its path under the API root. */
    static void describe(com.fasterxml.jackson.databind.node.ObjectNode out, StoredFile file) {
        out.put("content_type", FileTypes.servedAs(file.contentType()));
        out.put("size", file.size());
        out.put("created_at", file.createdAt().toString());
        out.put("href", "files/" + file.fileId());
    }

    /** One file an operator may read: what to answer with, and its content from any offset. */
    public final class Download {
        private final StoredFile file;
        private final String principal;

        private Download(StoredFile file, String principal) {
            this.file = file;
            this.principal = principal;
        }

        public String fileId() {
            return file.fileId();
        }

        public String consumerId() {
            return file.consumerId();
        }

        public String sessionId() {
            return file.sessionId();
        }

        public String label() {
            return file.label();
        }

        /** The stored type when it is one idflow serves (images, video, PDF, JSON, text), else application/octet-stream. */
        public String contentType() {
            return FileTypes.servedAs(file.contentType());
        }

        public long size() {
            return file.size();
        }

        /** {@code <label>.<ext>}: a name of safe characters only, whatever the uploader called the file. */
        public String fileName() {
            return file.label() + FileTypes.extension(file.contentType());
        }

        /**
         * The content from byte {@code offset} on (the caller reads as much as it sends and closes the stream);
         * from byte 0 it is recorded in the audit trail first, with the operator as actor. Streams: the store's
         * stream is skipped forward, never read into memory.
         */
        public InputStream open(long offset) throws IOException {
            if (offset < 0 || offset > file.size()) {
                throw new IllegalArgumentException("offset: must be 0 to the file's size");
            }
            InputStream in = files.open(file.fileId())
                    .orElseThrow(() -> ConsoleException.notFound("file " + file.fileId()));
            try {
                in.skipNBytes(offset);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
            if (offset == 0) {
                audit.record(file.consumerId(), principal, DOWNLOADED, "file", file.fileId(),
                        "label=" + file.label() + ", session_id=" + file.sessionId());
            }
            return in;
        }
    }
}
