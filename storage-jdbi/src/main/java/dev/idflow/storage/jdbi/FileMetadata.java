package dev.idflow.storage.jdbi;

import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The rows of {@code idflow_file}, shared by both file stores: whichever holds the bytes, metadata lives
 * in the database, so "the newest file of this flow with this label" is one indexed query on any node.
 */
final class FileMetadata {
    private static final String COLUMNS = "file_id, consumer_id, person_id, flow_id, session_id, label, "
            + "content_type, file_name, size_bytes, created_at, test_file, attempt_id, bound";

    private final Jdbi jdbi;

    FileMetadata(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Inserts the row inside the caller's transaction. The primary key refuses a second file with the
     * same id; a concurrent saver of the same id waits on the key until the first commits or rolls back,
     * then fails or proceeds accordingly.
     */
    static void insert(Handle h, StoredFile file) {
        h.createUpdate("INSERT INTO idflow_file (" + COLUMNS + ", biometric) VALUES (:fileId, :consumerId, :personId, "
                        + ":flowId, :sessionId, :label, :contentType, :fileName, :size, :createdAt, :test, :attemptId, "
                        + ":bound, :biometric)")
                .bind("biometric", dev.idflow.core.model.RetentionPolicy.isBiometric(file.label()))
                .bind("fileId", file.fileId())
                .bind("consumerId", file.consumerId())
                .bind("personId", file.personId())
                .bind("flowId", file.flowId())
                .bind("sessionId", file.sessionId())
                .bind("label", file.label())
                .bind("contentType", file.contentType())
                .bind("fileName", file.fileName())
                .bind("size", file.size())
                .bind("createdAt", Sql.time(file.createdAt()))
                .bind("test", file.test())
                .bind("attemptId", file.attemptId())
                .bind("bound", file.bound())
                .execute();
    }

    /** Binds files inside the caller's transaction (the commit that records their verdict). */
    static void bind(Handle h, java.util.Collection<String> fileIds) {
        for (String fileId : fileIds) {
            h.createUpdate("UPDATE idflow_file SET bound = TRUE WHERE file_id = :id").bind("id", fileId).execute();
        }
    }

    void bind(java.util.Collection<String> fileIds) {
        if (!fileIds.isEmpty()) {
            jdbi.useTransaction(h -> bind(h, fileIds));
        }
    }

    /**
     * Newest by created_at, then file id, as the SPI orders; the consumer filter keeps tenants apart, the
     * kind filter test from live data, and only bound files count.
     */
    Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query) {
        String column = switch (query.kind()) {
            case SESSION -> "session_id";
            case FLOW -> "flow_id";
            case PERSON -> "person_id";
        };
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_file WHERE " + column + " = :id "
                        + "AND consumer_id = :consumerId AND label = :label AND test_file = :test AND bound = TRUE "
                        + "ORDER BY created_at DESC, file_id DESC LIMIT 1")
                .bind("id", query.id())
                .bind("consumerId", consumerId)
                .bind("label", label)
                .bind("test", query.test())
                .map((rs, ctx) -> read(rs))
                .findOne());
    }

    Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_file WHERE session_id = :id "
                        + "AND consumer_id = :consumerId AND person_id = :personId AND test_file = :test AND bound = TRUE "
                        + "ORDER BY created_at DESC, file_id DESC LIMIT 1")
                .bind("id", uploadId)
                .bind("consumerId", consumerId)
                .bind("personId", personId)
                .bind("test", test)
                .map((rs, ctx) -> read(rs))
                .findOne());
    }

    /** The row of {@code fileId}, bound or not. */
    Optional<StoredFile> findById(String fileId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_file WHERE file_id = :id")
                .bind("id", fileId)
                .map((rs, ctx) -> read(rs))
                .findOne());
    }

    /** Deletes the row inside the caller's transaction (chunks go with it: ON DELETE CASCADE); false if none. */
    static boolean delete(Handle h, String fileId) {
        return h.createUpdate("DELETE FROM idflow_file WHERE file_id = :id").bind("id", fileId).execute() == 1;
    }

    /** Deletes the row only while it is unbound, inside the caller's transaction; false otherwise. */
    static boolean deleteUnbound(Handle h, String fileId) {
        return h.createUpdate("DELETE FROM idflow_file WHERE file_id = :id AND bound = FALSE")
                .bind("id", fileId).execute() == 1;
    }

    /** Ids of up to {@code limit} unbound files created before {@code before}, oldest first. */
    java.util.List<String> unboundBefore(java.time.Instant before, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT file_id FROM idflow_file WHERE bound = FALSE "
                        + "AND created_at < :before ORDER BY created_at, file_id LIMIT :limit")
                .bind("before", Sql.time(before))
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    /** The stored size of a file, or empty when there is no such file. */
    OptionalLong size(String fileId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT size_bytes FROM idflow_file WHERE file_id = :id")
                        .bind("id", fileId)
                        .mapTo(Long.class)
                        .findOne())
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    private static StoredFile read(ResultSet rs) throws SQLException {
        return new StoredFile(
                rs.getString("file_id"),
                rs.getString("consumer_id"),
                rs.getString("person_id"),
                rs.getString("flow_id"),
                rs.getString("session_id"),
                rs.getString("label"),
                rs.getString("content_type"),
                rs.getString("file_name"),
                rs.getLong("size_bytes"),
                Sql.time(rs, "created_at"),
                rs.getBoolean("test_file"),
                rs.getString("attempt_id"),
                rs.getBoolean("bound"));
    }
}
