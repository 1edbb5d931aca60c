package dev.idflow.storage.jdbi;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.spi.AuditTrail;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** The audit trail in {@code idflow_audit}: INSERT and SELECT only. */
final class JdbiAuditTrail implements AuditTrail {
    private static final String COLUMNS = "record_id, consumer_id, recorded_at, actor, action, target_type, target_id, details";
    private final Jdbi jdbi;

    JdbiAuditTrail(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void append(AuditRecord record) {
        Sql.uniquely("an audit record", () -> {
            jdbi.useHandle(h -> insert(h, record));
            return null;
        });
    }

    /** Inserts inside the caller's transaction: a change and its record land together. */
    static void insert(Handle h, AuditRecord r) {
        h.createUpdate("INSERT INTO idflow_audit (" + COLUMNS + ") VALUES (:id, :consumer, :at, :actor, :action, "
                        + ":targetType, :targetId, :details)")
                .bind("id", r.recordId())
                .bind("consumer", r.consumerId())
                .bind("at", Sql.time(r.at()))
                .bind("actor", r.actor())
                .bind("action", r.action())
                .bind("targetType", r.targetType())
                .bind("targetId", r.targetId())
                .bind("details", r.details())
                .execute();
    }

    @Override
    public List<AuditRecord> list(String consumerId, Instant from, Instant to, AuditRecord after, int limit) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT " + COLUMNS + " FROM idflow_audit WHERE consumer_id = :consumer "
                    + "AND recorded_at >= :from AND recorded_at < :to"
                    + (after == null ? "" : " AND (recorded_at > :afterAt OR (recorded_at = :afterAt AND record_id > :afterId))")
                    + " ORDER BY recorded_at, record_id LIMIT :limit")
                    .bind("consumer", consumerId)
                    .bind("from", Sql.time(from))
                    .bind("to", Sql.time(to))
                    .bind("limit", limit);
            if (after != null) {
                q.bind("afterAt", Sql.time(after.at())).bind("afterId", after.recordId());
            }
            return q.map((rs, ctx) -> read(rs)).list();
        });
    }

    private static AuditRecord read(ResultSet rs) throws SQLException {
        return new AuditRecord(rs.getString("record_id"), rs.getString("consumer_id"), Sql.time(rs, "recorded_at"),
                rs.getString("actor"), rs.getString("action"), rs.getString("target_type"), rs.getString("target_id"),
                rs.getString("details"));
    }
}
