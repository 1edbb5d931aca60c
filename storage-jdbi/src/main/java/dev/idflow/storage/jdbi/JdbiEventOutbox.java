package dev.idflow.storage.jdbi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.spi.EventOutbox;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Flow events in {@code idflow_event}, written by {@link JdbiStorage#commit} in the transaction of the
 * change they report (so an event exists if and only if its change does), then claimed and delivered.
 */
final class JdbiEventOutbox implements EventOutbox {
    private static final String COLUMNS = "event_id, event_type, consumer_id, flow_id, session_id, payload, created_at";

    private final Jdbi jdbi;
    private final Claimer<FlowEvent> claimer;

    JdbiEventOutbox(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.claimer = new Claimer<>(jdbi, dialect, "idflow_event", "event_id", COLUMNS,
                "delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= :now)",
                "created_at, event_id", (rs, ctx) -> read(rs));
    }

    /** Adds events in the caller's transaction; an event id that exists is refused by the primary key. */
    static void insert(Handle h, List<FlowEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        PreparedBatch batch = h.prepareBatch("INSERT INTO idflow_event (" + COLUMNS + ") VALUES "
                + "(:eventId, :type, :consumerId, :flowId, :sessionId, :payload, :createdAt)");
        for (FlowEvent e : events) {
            batch.bind("eventId", e.eventId())
                    .bind("type", e.type().name())
                    .bind("consumerId", e.consumerId())
                    .bind("flowId", e.flowId())
                    .bind("sessionId", e.sessionId())
                    .bind("payload", Sql.json(e.payload()))
                    .bind("createdAt", Sql.time(e.createdAt()))
                    .add();
        }
        batch.execute();
    }

    /** See {@link Claimer} for how two deliverers never get the same event. */
    @Override
    public List<FlowEvent> claimUndelivered(Instant now, Duration lease, int limit) {
        return claimer.claim(now, now.plus(lease), limit).stream()
                .sorted(Comparator.comparing(FlowEvent::createdAt).thenComparing(FlowEvent::eventId))
                .toList();
    }

    /**
     * Delivered events leave the pending index and are never claimed again. The row stays, with the
     * time, for a DBA to inspect or purge. Marking an event twice (two deliverers after a lease ran out)
     * keeps the first time.
     */
    @Override
    public void markDelivered(String eventId, Instant at) {
        jdbi.useTransaction(h -> h.createUpdate("UPDATE idflow_event SET delivered_at = :at, claimed_until = NULL "
                        + "WHERE event_id = :id AND delivered_at IS NULL")
                .bind("at", Sql.time(at))
                .bind("id", eventId)
                .execute());
    }

    private static FlowEvent read(ResultSet rs) throws SQLException {
        return new FlowEvent(
                rs.getString("event_id"),
                FlowEvent.Type.valueOf(rs.getString("event_type")),
                rs.getString("consumer_id"),
                rs.getString("flow_id"),
                rs.getString("session_id"),
                Sql.json(rs.getString("payload"), ObjectNode.class),
                Sql.time(rs, "created_at"));
    }
}
