package dev.idflow.storage.jdbi;

import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Jdbi;

/**
 * File content in the database: metadata in {@code idflow_file}, bytes in {@code idflow_file_chunk} as
 * rows of at most {@value #CHUNK_SIZE} bytes, so memory use per upload or download is one chunk,
 * whatever the file's size.
 *
 * <p>Why chunks rather than one bytea/BLOB per file: PostgreSQL's JDBC driver reads a bytea value
 * whole into memory, even through {@code getBinaryStream} (the protocol sends the row whole), and
 * streaming a BLOB out would keep a connection and its transaction open for as long as the client
 * takes to download. Chunks need neither: each one is a short query of its own, the same SQL on
 * PostgreSQL and H2, and large-object APIs (absent from PostgreSQL-compatible distributed engines)
 * are not needed either.
 */
final class JdbiFileStore implements FileStore {
    static final int CHUNK_SIZE = 256 * 1024;

    private final Jdbi jdbi;
    private final FileMetadata metadata;

    JdbiFileStore(Jdbi jdbi) {
        this.jdbi = jdbi;
        this.metadata = new FileMetadata(jdbi);
    }

    /**
     * First copies the content to a local temporary file, then writes metadata and chunks in one short
     * transaction. The copy keeps the database out of the upload's pace: a slow producer never holds a
     * connection and an open transaction, and no one sees a file until all of it is there. A second
     * saver of the same id fails on the primary key of {@code idflow_file} (waiting, if the first has
     * not committed yet, for its outcome), before any of its chunks is written.
     */
    @Override
    public StoredFile save(StoredFile file, InputStream content) throws IOException {
        Path spool = Files.createTempFile("idflow-upload-", ".part");
        try {
            long size;
            try (OutputStream out = Files.newOutputStream(spool)) {
                size = content.transferTo(out);
            }
            StoredFile stored = file.withSize(size);
            Sql.uniquely("file " + file.fileId(), () -> jdbi.inTransaction(h -> {
                FileMetadata.insert(h, stored);
                try (InputStream in = Files.newInputStream(spool)) {
                    byte[] buffer = new byte[CHUNK_SIZE];
                    int chunkNo = 0;
                    for (int n = in.readNBytes(buffer, 0, CHUNK_SIZE); n > 0; n = in.readNBytes(buffer, 0, CHUNK_SIZE)) {
                        h.createUpdate("INSERT INTO idflow_file_chunk (file_id, chunk_no, data) VALUES (:id, :no, :data)")
                                .bind("id", file.fileId())
                                .bind("no", chunkNo++)
                                .bind("data", n == CHUNK_SIZE ? buffer : Arrays.copyOf(buffer, n))
                                .execute();
                    }
                }
                return stored;
            }));
            return stored;
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    @Override
    public Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query) {
        return metadata.findNewest(consumerId, label, query);
    }

    @Override
    public Optional<StoredFile> findById(String fileId) {
        return metadata.findById(fileId);
    }

    @Override
    public Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test) {
        return metadata.findInput(consumerId, personId, uploadId, test);
    }

    @Override
    public void bind(java.util.Collection<String> fileIds) {
        metadata.bind(fileIds);
    }

    /** The row and, by the chunk table's ON DELETE CASCADE, every chunk, in one transaction. */
    @Override
    public boolean delete(String fileId) {
        return jdbi.inTransaction(h -> FileMetadata.delete(h, fileId));
    }

    @Override
    public int purgeUnbound(java.time.Instant createdBefore, int limit) {
        int purged = 0;
        for (String fileId : metadata.unboundBefore(createdBefore, limit)) {
            if (jdbi.inTransaction(h -> FileMetadata.deleteUnbound(h, fileId))) {
                purged++;
            }
        }
        return purged;
    }

    @Override
    public Optional<InputStream> open(String fileId) {
        OptionalLong size = metadata.size(fileId);
        return size.isPresent() ? Optional.of(new ChunkStream(fileId, size.getAsLong())) : Optional.empty();
    }

    /**
     * Reads a file one chunk at a time, each with a short query of its own: between chunks the stream
     * holds no connection, however slowly the client downloads. A stored file never changes, so chunks
     * read in separate transactions still make one consistent file; if a DBA deletes the file half way,
     * the stream says so instead of ending early.
     */
    private final class ChunkStream extends InputStream {
        private final String fileId;
        private final long size;
        private long delivered;
        private int nextChunk;
        private byte[] chunk = new byte[0];
        private int position;
        private boolean closed;

        ChunkStream(String fileId, long size) {
            this.fileId = fileId;
            this.size = size;
        }

        @Override
        public int read() throws IOException {
            if (!fill()) {
                return -1;
            }
            delivered++;
            return chunk[position++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, chunk.length - position);
            System.arraycopy(chunk, position, b, off, n);
            position += n;
            delivered += n;
            return n;
        }

        @Override
        public int available() {
            return closed ? 0 : chunk.length - position;
        }

        @Override
        public void close() {
            closed = true;
            chunk = new byte[0];
            position = 0;
        }

        /** Makes sure unread bytes are in {@link #chunk}; false at the end of the file. */
        private boolean fill() throws IOException {
            if (closed) {
                throw new IOException("stream closed");
            }
            if (position < chunk.length) {
                return true;
            }
            if (delivered >= size) {
                return false;
            }
            int wanted = nextChunk;
            byte[] next = jdbi.withHandle(h -> h.createQuery("SELECT data FROM idflow_file_chunk WHERE file_id = :id AND chunk_no = :no")
                    .bind("id", fileId)
                    .bind("no", wanted)
                    .map((rs, ctx) -> rs.getBytes("data"))
                    .findOne()
                    .orElse(null));
            if (next == null || next.length == 0) {
                throw new IOException("file " + fileId + " ends after " + delivered + " of its " + size
                        + " bytes: was it deleted while being read?");
            }
            chunk = next;
            position = 0;
            nextChunk++;
            return true;
        }
    }
}
