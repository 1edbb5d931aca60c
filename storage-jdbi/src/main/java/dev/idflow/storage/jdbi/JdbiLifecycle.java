package dev.idflow.storage.jdbi;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.spi.DataLifecycle;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Retention and erasure on idflow's tables. Each batch is one transaction that deletes at most
 * {@code limit} rows of each table it touches, found through an index on the due column; content a
 * filesystem file store keeps is deleted after that transaction committed (a crash in between leaves a
 * file no row names: never served, as after {@link dev.idflow.core.spi.FileStore#delete}).
 *
 * <p>Lock order: flows, then sessions, then files, the order of {@link JdbiStorage#commit}, so a purge
 * and a commit on the same flow queue behind each other instead of deadlocking; the commit then finds its
 * flow gone and changes nothing.
 */
final class JdbiLifecycle implements DataLifecycle {

    /** What happens to a deleted file's content once its row is gone. */
    @FunctionalInterface
    interface ContentGone {
        void deleted(Collection<String> fileIds) throws IOException;
    }

    private final Jdbi jdbi;
    private final ContentGone contentGone;

    JdbiLifecycle(Jdbi jdbi, ContentGone contentGone) {
        this.jdbi = jdbi;
        this.contentGone = contentGone;
    }

    @Override
    public void setRetention(RetentionPolicy p) {
        Sql.upsert(jdbi,
                h -> bindPolicy(h.createUpdate("UPDATE idflow_retention SET biometrics_seconds = :b, documents_seconds = :d, "
                        + "flows_seconds = :f WHERE consumer_id = :c"), p).execute(),
                h -> bindPolicy(h.createUpdate("INSERT INTO idflow_retention (consumer_id, biometrics_seconds, "
                        + "documents_seconds, flows_seconds) VALUES (:c, :b, :d, :f)"), p).execute());
    }

    private static org.jdbi.v3.core.statement.Update bindPolicy(org.jdbi.v3.core.statement.Update u, RetentionPolicy p) {
        return u.bind("c", p.consumerId()).bind("b", seconds(p.biometrics())).bind("d", seconds(p.documents()))
                .bind("f", seconds(p.flows()));
    }

    private static Long seconds(Duration d) {
        return d == null ? null : d.toSeconds();
    }

    private static Duration duration(ResultSet rs, String column) throws SQLException {
        long s = rs.getLong(column);
        return rs.wasNull() ? null : Duration.ofSeconds(s);
    }

    private static RetentionPolicy policy(ResultSet rs) throws SQLException {
        return new RetentionPolicy(rs.getString("consumer_id"), duration(rs, "biometrics_seconds"),
                duration(rs, "documents_seconds"), duration(rs, "flows_seconds"));
    }

    @Override
    public Optional<RetentionPolicy> retention(String consumerId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM idflow_retention WHERE consumer_id = :c")
                .bind("c", consumerId).map((rs, ctx) -> policy(rs)).findOne());
    }

    @Override
    public List<RetentionPolicy> retentions() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM idflow_retention ORDER BY consumer_id")
                .map((rs, ctx) -> policy(rs)).list());
    }

    /**
     * The consumer's row locked first (a second claimer waits here for the first's commit, on PostgreSQL and
     * H2 alike), then claimed by an UPDATE that repeats the free test in a new statement: whoever comes second
     * sees the first's lease and changes nothing.
     */
    @Override
    public boolean claimPurge(String consumerId, Instant now, Duration lease) {
        return jdbi.inTransaction(h -> {
            Optional<String> row = h.createQuery("SELECT consumer_id FROM idflow_retention WHERE consumer_id = :c FOR UPDATE")
                    .bind("c", consumerId).mapTo(String.class).findOne();
            if (row.isEmpty()) {
                return false;
            }
            return h.createUpdate("UPDATE idflow_retention SET purge_claimed_until = :until WHERE consumer_id = :c "
                            + "AND (purge_claimed_until IS NULL OR purge_claimed_until <= :now)")
                    .bind("c", consumerId).bind("until", Sql.time(now.plus(lease))).bind("now", Sql.time(now))
                    .execute() == 1;
        });
    }

    @Override
    public void releasePurge(String consumerId) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE idflow_retention SET purge_claimed_until = NULL WHERE consumer_id = :c")
                .bind("c", consumerId).execute());
    }

    @Override
    public int purgeBiometrics(String consumerId, Instant createdBefore, int limit) throws IOException {
        int files = purgeFiles(consumerId, true, createdBefore, limit);
        int templates = jdbi.inTransaction(h -> {
            List<String> ids = h.createQuery("SELECT template_id FROM idflow_face_template WHERE consumer_id = :c "
                            + "AND kind = :kind AND created_at < :before ORDER BY created_at LIMIT :limit")
                    .bind("c", consumerId).bind("kind", FaceTemplate.VERIFIED).bind("before", Sql.time(createdBefore))
                    .bind("limit", limit).mapTo(String.class).list();
            return deleteIn(h, "idflow_face_template", "template_id", ids);
        });
        return files + templates;
    }

    @Override
    public int purgeDocuments(String consumerId, Instant createdBefore, int limit) throws IOException {
        return purgeFiles(consumerId, false, createdBefore, limit);
    }

    private int purgeFiles(String consumerId, boolean biometric, Instant createdBefore, int limit) throws IOException {
        List<String> gone = jdbi.inTransaction(h -> {
            List<String> ids = h.createQuery("SELECT file_id FROM idflow_file WHERE consumer_id = :c AND biometric = :b "
                            + "AND created_at < :before ORDER BY created_at, file_id LIMIT :limit")
                    .bind("c", consumerId).bind("b", biometric).bind("before", Sql.time(createdBefore))
                    .bind("limit", limit).mapTo(String.class).list();
            deleteIn(h, "idflow_file", "file_id", ids);
            return ids;
        });
        contentGone.deleted(gone);
        return gone.size();
    }

    @Override
    public int purgeFlows(String consumerId, Instant endedBefore, int limit) throws IOException {
        List<String> files = new ArrayList<>();
        int flows = jdbi.inTransaction(h -> {
            List<String> flowIds = h.createQuery("SELECT flow_id FROM idflow_flow WHERE consumer_id = :c "
                            + "AND ended_at IS NOT NULL AND ended_at < :before ORDER BY ended_at, flow_id LIMIT :limit")
                    .bind("c", consumerId).bind("before", Sql.time(endedBefore)).bind("limit", limit)
                    .mapTo(String.class).list();
            files.addAll(deleteFlows(h, flowIds, new int[1]));
            return flowIds.size();
        });
        contentGone.deleted(files);
        return flows;
    }

    /**
     * Deletes the flows, their events, sessions and files (rows); returns the files' ids and adds the rows of
     * flows and sessions to {@code rows[0]}.
     */
    private static List<String> deleteFlows(Handle h, List<String> flowIds, int[] rows) {
        if (flowIds.isEmpty()) {
            return List.of();
        }
        rows[0] += deleteIn(h, "idflow_flow", "flow_id", flowIds);
        // the deliveries of the flow's events (ids only, no payload) go with them
        deleteIn(h, "idflow_webhook_delivery", "event_id",
                selectIn(h, "SELECT event_id FROM idflow_event WHERE flow_id IN ", flowIds));
        deleteIn(h, "idflow_event", "flow_id", flowIds);
        List<String> sessionIds = selectIn(h, "SELECT session_id FROM idflow_session WHERE flow_id IN ", flowIds);
        rows[0] += deleteIn(h, "idflow_session", "session_id", sessionIds);
        List<String> fileIds = new ArrayList<>(selectIn(h, "SELECT file_id FROM idflow_file WHERE flow_id IN ", flowIds));
        for (String id : selectIn(h, "SELECT file_id FROM idflow_file WHERE session_id IN ", sessionIds)) {
            if (!fileIds.contains(id)) {
                fileIds.add(id);
            }
        }
        deleteIn(h, "idflow_file", "file_id", fileIds);
        return fileIds;
    }

    @Override
    public int erasePerson(String consumerId, String personId, boolean test, int limit, AuditRecord done) throws IOException {
        List<String> files = new ArrayList<>();
        int rows = jdbi.inTransaction(h -> {
            int n = 0;
            List<String> flowIds = h.createQuery("SELECT flow_id FROM idflow_flow WHERE consumer_id = :c AND person_id = :p "
                            + "AND test_flow = :t ORDER BY flow_id LIMIT :limit")
                    .bind("c", consumerId).bind("p", personId).bind("t", test).bind("limit", limit)
                    .mapTo(String.class).list();
            int[] flowRows = new int[1];
            List<String> flowFiles = deleteFlows(h, flowIds, flowRows);
            files.addAll(flowFiles);
            n += flowRows[0] + flowFiles.size();
            List<String> sessionIds = h.createQuery("SELECT session_id FROM idflow_session WHERE consumer_id = :c "
                            + "AND person_id = :p AND test_session = :t ORDER BY session_id LIMIT :limit")
                    .bind("c", consumerId).bind("p", personId).bind("t", test).bind("limit", limit)
                    .mapTo(String.class).list();
            n += deleteIn(h, "idflow_session", "session_id", sessionIds);
            List<String> fileIds = h.createQuery("SELECT file_id FROM idflow_file WHERE consumer_id = :c "
                            + "AND person_id = :p AND test_file = :t ORDER BY file_id LIMIT :limit")
                    .bind("c", consumerId).bind("p", personId).bind("t", test).bind("limit", limit)
                    .mapTo(String.class).list();
            n += deleteIn(h, "idflow_file", "file_id", fileIds);
            files.addAll(fileIds);
            n += h.createUpdate("DELETE FROM idflow_face_template WHERE consumer_id = :c AND person_id = :p AND test = :t")
                    .bind("c", consumerId).bind("p", personId).bind("t", test).execute();
            n += h.createUpdate("DELETE FROM idflow_person_certificate WHERE consumer_id = :c AND person_id = :p "
                            + "AND is_test = :t")
                    .bind("c", consumerId).bind("p", personId).bind("t", test).execute();
            if (test) {
                // sandbox scripts are test data by nature: only a test key writes them
                n += h.createUpdate("DELETE FROM idflow_mockery WHERE consumer_id = :c AND person_id = :p")
                        .bind("c", consumerId).bind("p", personId).execute();
            }
            if (n == 0 && done != null) {
                JdbiAuditTrail.insert(h, done);
            }
            return n;
        });
        contentGone.deleted(files);
        return rows;
    }

    private static List<String> selectIn(Handle h, String sql, List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (List<String> chunk : Sql.chunks(ids)) {
            out.addAll(Sql.bindIds(h.createQuery(sql + "(" + Sql.idPlaceholders(chunk.size()) + ")"), chunk)
                    .mapTo(String.class).list());
        }
        return out;
    }

    private static int deleteIn(Handle h, String table, String column, List<String> ids) {
        int n = 0;
        for (List<String> chunk : Sql.chunks(ids)) {
            n += Sql.bindIds(h.createUpdate("DELETE FROM " + table + " WHERE " + column + " IN ("
                    + Sql.idPlaceholders(chunk.size()) + ")"), chunk).execute();
        }
        return n;
    }

    /** ":id0, :id1, …": the SQL is plain text here (no templating), so a list is bound one value at a time. */
}
