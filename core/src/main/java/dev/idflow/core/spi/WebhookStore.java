package dev.idflow.core.spi;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The consumers' webhook endpoints and the deliveries of events to them. {@link IdflowStorage#commit}
 * writes, with each event, one {@link WebhookDelivery.State#PENDING} delivery per endpoint the event's
 * consumer has at that moment (id {@link WebhookDelivery#idOf}), due at the event's time; the
 * deliverers then claim due deliveries with a lease, as the event outbox's are claimed.
 */
public interface WebhookStore {

    /** Stores a new endpoint; an endpoint id that exists throws {@link DuplicateKeyException}. */
    void saveEndpoint(WebhookEndpoint endpoint);

    Optional<WebhookEndpoint> findEndpoint(String endpointId);

    /** The consumer's endpoints, oldest first. */
    List<WebhookEndpoint> endpoints(String consumerId);

    /**
     * Removes the consumer's endpoint: events committed from now on get no delivery to it, and its pending
     * deliveries become {@link WebhookDelivery.State#DEAD} with the error {@code "endpoint removed"} at
     * {@code at} (the log stays). False when the consumer has no such endpoint.
     */
    boolean removeEndpoint(String consumerId, String endpointId, Instant at);

    /** A claimed delivery with what sending it needs. */
    record Due(WebhookDelivery delivery, WebhookEndpoint endpoint, FlowEvent event) {
    }

    /**
     * Claims up to {@code limit} pending deliveries due at {@code now} (next attempt at or before it), earliest
     * due first, that no one holds a live claim on; each claim lasts {@code lease}. Two callers never
     * receive the same delivery while its claim lives. The cost is that of the deliveries due.
     */
    List<Due> claimDue(Instant now, Duration lease, int limit);

    /**
     * Records an attempt: {@code after} replaces the stored delivery, and its claim is released, if the
     * stored one is still pending with {@code after.attempts() - 1} attempts (someone whose lease ran out
     * cannot record over a newer attempt). Returns whether it was recorded.
     */
    boolean recordAttempt(WebhookDelivery after);

    /** The consumer's deliveries, newest first (created_at, then delivery id, descending), at most {@code limit}. */
    List<WebhookDelivery> deliveries(String consumerId, int limit);

    /** The deliveries of one event (one per endpoint it was written for). */
    List<WebhookDelivery> deliveriesOfEvent(String eventId);

    /** How many deliveries wait to be sent (pending, due or not): the backlog a metrics scrape reads. */
    long countPending();
}
