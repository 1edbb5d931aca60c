package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One event on its way to one endpoint, and the delivery log of that pair: how many attempts were made,
 * what the last one got (an HTTP status, or an error such as a timeout or a refused address), when, and
 * when the next one is due. Created {@link State#PENDING} in the commit that writes the event, one per
 * endpoint the event's consumer has then; {@link State#DELIVERED} after a 2xx; {@link State#DEAD} when
 * retrying ran out (24 h) or the endpoint was removed.
 *
 * @param lastStatus the HTTP status of the last attempt, null when it got none (see {@code lastError})
 * @param lastError  why the last attempt failed without a status (timeout, connection, address refused)
 */
public record WebhookDelivery(
        String deliveryId,
        String eventId,
        String endpointId,
        String consumerId,
        State state,
        int attempts,
        Instant createdAt,
        Instant nextAttemptAt,
        Instant lastAttemptAt,
        Integer lastStatus,
        String lastError,
        Instant deliveredAt) {

    public enum State { PENDING, DELIVERED, DEAD }

    public WebhookDelivery {
        Objects.requireNonNull(deliveryId, "deliveryId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative");
        }
    }

    /** The id every store gives the delivery of {@code eventId} to {@code endpointId}. */
    public static String idOf(String endpointId, String eventId) {
        return endpointId + ":" + eventId;
    }

    /** This delivery after one more attempt that ended in {@code state}. */
    public WebhookDelivery afterAttempt(State state, Instant at, Integer status, String error, Instant next) {
        return new WebhookDelivery(deliveryId, eventId, endpointId, consumerId, state, attempts + 1, createdAt,
                state == State.PENDING ? next : null, at, status, error, state == State.DELIVERED ? at : null);
    }
}
