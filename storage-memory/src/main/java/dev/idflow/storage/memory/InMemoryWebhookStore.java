package dev.idflow.storage.memory;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.WebhookStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Webhook endpoints and deliveries in memory; one lock, as the other repositories. */
final class InMemoryWebhookStore implements WebhookStore {
    private final Map<String, WebhookEndpoint> endpoints = new LinkedHashMap<>();
    private final Map<String, WebhookDelivery> deliveries = new LinkedHashMap<>();
    private final Map<String, FlowEvent> events = new HashMap<>();
    private final Map<String, Instant> claimedUntil = new HashMap<>();

    /**
     * Forgets the deliveries of a flow's events and this store's copy of the events (their payloads): the
     * flow is being deleted (retention, erasure), so nothing of it may stay here.
     */
    synchronized void forgetFlow(String flowId) {
        java.util.Set<String> gone = new java.util.HashSet<>();
        events.values().removeIf(e -> {
            boolean of = flowId.equals(e.flowId());
            if (of) {
                gone.add(e.eventId());
            }
            return of;
        });
        deliveries.values().removeIf(d -> {
            boolean of = gone.contains(d.eventId());
            if (of) {
                claimedUntil.remove(d.deliveryId());
            }
            return of;
        });
    }

    @Override
    public synchronized long countPending() {
        return deliveries.values().stream().filter(d -> d.state() == WebhookDelivery.State.PENDING).count();
    }

    /** Writes the event's deliveries; called by the commit, holding the storage locks. */
    synchronized void fanOut(FlowEvent event) {
        for (WebhookEndpoint endpoint : endpoints.values()) {
            if (endpoint.consumerId().equals(event.consumerId())) {
                String id = WebhookDelivery.idOf(endpoint.endpointId(), event.eventId());
                deliveries.put(id, new WebhookDelivery(id, event.eventId(), endpoint.endpointId(), event.consumerId(),
                        WebhookDelivery.State.PENDING, 0, event.createdAt(), event.createdAt(), null, null, null, null));
                events.put(event.eventId(), event);
            }
        }
    }

    @Override
    public synchronized void saveEndpoint(WebhookEndpoint endpoint) {
        if (endpoints.putIfAbsent(endpoint.endpointId(), endpoint) != null) {
            throw new DuplicateKeyException("webhook endpoint " + endpoint.endpointId() + " exists");
        }
    }

    @Override
    public synchronized Optional<WebhookEndpoint> findEndpoint(String endpointId) {
        return Optional.ofNullable(endpoints.get(endpointId));
    }

    @Override
    public synchronized List<WebhookEndpoint> endpoints(String consumerId) {
        return endpoints.values().stream().filter(e -> e.consumerId().equals(consumerId))
                .sorted(Comparator.comparing(WebhookEndpoint::createdAt).thenComparing(WebhookEndpoint::endpointId))
                .toList();
    }

    @Override
    public synchronized boolean removeEndpoint(String consumerId, String endpointId, Instant at) {
        WebhookEndpoint endpoint = endpoints.get(endpointId);
        if (endpoint == null || !endpoint.consumerId().equals(consumerId)) {
            return false;
        }
        endpoints.remove(endpointId);
        deliveries.replaceAll((id, d) -> d.endpointId().equals(endpointId) && d.state() == WebhookDelivery.State.PENDING
                ? new WebhookDelivery(d.deliveryId(), d.eventId(), d.endpointId(), d.consumerId(),
                        WebhookDelivery.State.DEAD, d.attempts(), d.createdAt(), null, d.lastAttemptAt(), d.lastStatus(),
                        "endpoint removed", null)
                : d);
        return true;
    }

    @Override
    public synchronized List<Due> claimDue(Instant now, Duration lease, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<WebhookDelivery> due = new ArrayList<>();
        for (WebhookDelivery d : deliveries.values()) {
            Instant claim = claimedUntil.get(d.deliveryId());
            if (d.state() == WebhookDelivery.State.PENDING && !d.nextAttemptAt().isAfter(now)
                    && (claim == null || !claim.isAfter(now))) {
                due.add(d);
            }
        }
        due.sort(Comparator.comparing(WebhookDelivery::nextAttemptAt).thenComparing(WebhookDelivery::deliveryId));
        Instant until = now.plus(lease);
        List<Due> claimed = new ArrayList<>();
        for (WebhookDelivery d : due.subList(0, Math.min(limit, due.size()))) {
            claimedUntil.put(d.deliveryId(), until);
            claimed.add(new Due(d, endpoints.get(d.endpointId()), events.get(d.eventId())));
        }
        return claimed;
    }

    @Override
    public synchronized boolean recordAttempt(WebhookDelivery after) {
        WebhookDelivery stored = deliveries.get(after.deliveryId());
        if (stored == null || stored.state() != WebhookDelivery.State.PENDING || stored.attempts() != after.attempts() - 1) {
            return false;
        }
        deliveries.put(after.deliveryId(), after);
        claimedUntil.remove(after.deliveryId());
        return true;
    }

    @Override
    public synchronized List<WebhookDelivery> deliveries(String consumerId, int limit) {
        return deliveries.values().stream().filter(d -> d.consumerId().equals(consumerId))
                .sorted(Comparator.comparing(WebhookDelivery::createdAt).thenComparing(WebhookDelivery::deliveryId)
                        .reversed())
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized List<WebhookDelivery> deliveriesOfEvent(String eventId) {
        return deliveries.values().stream().filter(d -> d.eventId().equals(eventId))
                .sorted(Comparator.comparing(WebhookDelivery::deliveryId))
                .toList();
    }
}
