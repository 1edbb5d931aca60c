package dev.idflow.storage.jdbi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import dev.idflow.core.spi.WebhookStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * Webhook endpoints in {@code idflow_webhook_endpoint} and deliveries in {@code idflow_webhook_delivery}
 * (schema V9). A delivery row is written by {@link JdbiStorage#commit} in the event's own transaction,
 * so an event has its deliveries if and only if it exists; deliverers claim due rows through
 * {@link Claimer}, and record each attempt with a compare-and-set on the attempt count.
 */
final class JdbiWebhookStore implements WebhookStore {
    private static final String ENDPOINT_COLUMNS = "endpoint_id, consumer_id, url, secret, created_at";
    private static final String DELIVERY_COLUMNS = "delivery_id, event_id, endpoint_id, consumer_id, state, attempts, "
            + "created_at, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at";

    private final Jdbi jdbi;
    private final Claimer<WebhookDelivery> claimer;

    JdbiWebhookStore(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.claimer = new Claimer<>(jdbi, dialect, "idflow_webhook_delivery", "delivery_id", DELIVERY_COLUMNS,
                "state = 'PENDING' AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until <= :now)",
                "next_attempt_at, delivery_id", (rs, ctx) -> delivery(rs));
    }

    /**
     * Writes, in the caller's (the commit's) transaction, one pending delivery of each event to each
     * endpoint its consumer has now. An endpoint registered concurrently is either seen (and gets the
     * event) or not (and gets only later events); one removed concurrently may still get it, and its
     * delivery is then sent or found without an endpoint and ended dead.
     */
    static void fanOut(Handle h, List<FlowEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        PreparedBatch batch = h.prepareBatch("INSERT INTO idflow_webhook_delivery (delivery_id, event_id, endpoint_id, "
                + "consumer_id, state, attempts, created_at, next_attempt_at) "
                + "SELECT endpoint_id || ':' || :eventId, :eventId, endpoint_id, consumer_id, 'PENDING', 0, :at, :at "
                + "FROM idflow_webhook_endpoint WHERE consumer_id = :consumerId");
        for (FlowEvent e : events) {
            batch.bind("eventId", e.eventId()).bind("consumerId", e.consumerId()).bind("at", Sql.time(e.createdAt())).add();
        }
        batch.execute();
    }

    @Override
    public void saveEndpoint(WebhookEndpoint e) {
        Sql.uniquely("a webhook endpoint", () -> jdbi.withHandle(h -> h.createUpdate("INSERT INTO idflow_webhook_endpoint ("
                        + ENDPOINT_COLUMNS + ") VALUES (:id, :consumerId, :url, :secret, :createdAt)")
                .bind("id", e.endpointId())
                .bind("consumerId", e.consumerId())
                .bind("url", e.url())
                .bind("secret", e.sealedSecret())
                .bind("createdAt", Sql.time(e.createdAt()))
                .execute()));
    }

    @Override
    public Optional<WebhookEndpoint> findEndpoint(String endpointId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + ENDPOINT_COLUMNS + " FROM idflow_webhook_endpoint "
                        + "WHERE endpoint_id = :id")
                .bind("id", endpointId)
                .map((rs, ctx) -> endpoint(rs))
                .findOne());
    }

    @Override
    public List<WebhookEndpoint> endpoints(String consumerId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + ENDPOINT_COLUMNS + " FROM idflow_webhook_endpoint "
                        + "WHERE consumer_id = :consumerId ORDER BY created_at, endpoint_id")
                .bind("consumerId", consumerId)
                .map((rs, ctx) -> endpoint(rs))
                .list());
    }

    @Override
    public boolean removeEndpoint(String consumerId, String endpointId, Instant at) {
        return jdbi.inTransaction(h -> {
            int removed = h.createUpdate("DELETE FROM idflow_webhook_endpoint WHERE endpoint_id = :id AND consumer_id = :consumerId")
                    .bind("id", endpointId)
                    .bind("consumerId", consumerId)
                    .execute();
            if (removed == 0) {
                return false;
            }
            h.createUpdate("UPDATE idflow_webhook_delivery SET state = 'DEAD', next_attempt_at = NULL, claimed_until = NULL, "
                            + "last_error = 'endpoint removed' WHERE endpoint_id = :id AND state = 'PENDING'")
                    .bind("id", endpointId)
                    .execute();
            return true;
        });
    }

    @Override
    public List<Due> claimDue(Instant now, Duration lease, int limit) {
        List<WebhookDelivery> claimed = claimer.claim(now, now.plus(lease), limit);
        if (claimed.isEmpty()) {
            return List.of();
        }
        return jdbi.withHandle(h -> {
            Map<String, WebhookEndpoint> endpoints = byId(h, "SELECT " + ENDPOINT_COLUMNS + " FROM idflow_webhook_endpoint "
                            + "WHERE endpoint_id IN ", claimed.stream().map(WebhookDelivery::endpointId).distinct().toList(),
                    (rs, ctx) -> endpoint(rs), WebhookEndpoint::endpointId);
            Map<String, FlowEvent> events = byId(h, "SELECT event_id, event_type, consumer_id, flow_id, session_id, "
                            + "payload, created_at FROM idflow_event WHERE event_id IN ",
                    claimed.stream().map(WebhookDelivery::eventId).distinct().toList(), (rs, ctx) -> event(rs),
                    FlowEvent::eventId);
            List<Due> due = new ArrayList<>();
            for (WebhookDelivery d : claimed.stream().sorted(Comparator.comparing(WebhookDelivery::nextAttemptAt)
                    .thenComparing(WebhookDelivery::deliveryId)).toList()) {
                due.add(new Due(d, endpoints.get(d.endpointId()), events.get(d.eventId())));
            }
            return due;
        });
    }

    private static <T> Map<String, T> byId(Handle h, String sql, List<String> ids,
                                           org.jdbi.v3.core.mapper.RowMapper<T> mapper, Function<T, String> id) {
        String placeholders = IntStream.range(0, ids.size()).mapToObj(i -> ":id" + i).collect(Collectors.joining(", "));
        Query query = h.createQuery(sql + "(" + placeholders + ")");
        for (int i = 0; i < ids.size(); i++) {
            query.bind("id" + i, ids.get(i));
        }
        return query.map(mapper).list().stream().collect(Collectors.toMap(id, Function.identity()));
    }

    @Override
    public boolean recordAttempt(WebhookDelivery d) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE idflow_webhook_delivery SET state = :state, attempts = :attempts, "
                        + "next_attempt_at = :next, last_attempt_at = :last, last_status = :status, last_error = :error, "
                        + "delivered_at = :deliveredAt, claimed_until = NULL "
                        + "WHERE delivery_id = :id AND state = 'PENDING' AND attempts = :expected")
                .bind("state", d.state().name())
                .bind("attempts", d.attempts())
                .bind("next", Sql.time(d.nextAttemptAt()))
                .bind("last", Sql.time(d.lastAttemptAt()))
                .bind("status", d.lastStatus())
                .bind("error", d.lastError() == null ? null
                        : d.lastError().length() > 1000 ? d.lastError().substring(0, 1000) : d.lastError())
                .bind("deliveredAt", Sql.time(d.deliveredAt()))
                .bind("id", d.deliveryId())
                .bind("expected", d.attempts() - 1)
                .execute()) == 1;
    }

    @Override
    public List<WebhookDelivery> deliveries(String consumerId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + DELIVERY_COLUMNS + " FROM idflow_webhook_delivery "
                        + "WHERE consumer_id = :consumerId ORDER BY created_at DESC, delivery_id DESC LIMIT :limit")
                .bind("consumerId", consumerId)
                .bind("limit", limit)
                .map((rs, ctx) -> delivery(rs))
                .list());
    }

    @Override
    public List<WebhookDelivery> deliveriesOfEvent(String eventId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + DELIVERY_COLUMNS + " FROM idflow_webhook_delivery "
                        + "WHERE event_id = :eventId ORDER BY delivery_id")
                .bind("eventId", eventId)
                .map((rs, ctx) -> delivery(rs))
                .list());
    }

    @Override
    public long countPending() {
        // PostgreSQL counts over the partial index of pending rows; H2 over (state, next_attempt_at, …)
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM idflow_webhook_delivery WHERE state = 'PENDING'")
                .mapTo(Long.class).one());
    }

    private static WebhookEndpoint endpoint(ResultSet rs) throws SQLException {
        return new WebhookEndpoint(rs.getString("endpoint_id"), rs.getString("consumer_id"), rs.getString("url"),
                rs.getBytes("secret"), Sql.time(rs, "created_at"));
    }

    private static WebhookDelivery delivery(ResultSet rs) throws SQLException {
        return new WebhookDelivery(rs.getString("delivery_id"), rs.getString("event_id"), rs.getString("endpoint_id"),
                rs.getString("consumer_id"), WebhookDelivery.State.valueOf(rs.getString("state")), rs.getInt("attempts"),
                Sql.time(rs, "created_at"), Sql.time(rs, "next_attempt_at"), Sql.time(rs, "last_attempt_at"),
                Sql.integer(rs, "last_status"), rs.getString("last_error"), Sql.time(rs, "delivered_at"));
    }

    private static FlowEvent event(ResultSet rs) throws SQLException {
        return new FlowEvent(rs.getString("event_id"), FlowEvent.Type.valueOf(rs.getString("event_type")),
                rs.getString("consumer_id"), rs.getString("flow_id"), rs.getString("session_id"),
                Sql.json(rs.getString("payload"), ObjectNode.class), Sql.time(rs, "created_at"));
    }
}
