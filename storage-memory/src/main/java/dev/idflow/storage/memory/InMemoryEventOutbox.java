package dev.idflow.storage.memory;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.EventOutbox;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The event outbox in memory; one lock, as the other repositories. */
final class InMemoryEventOutbox implements EventOutbox {
    private final Map<String, FlowEvent> pending = new LinkedHashMap<>();
    private final Map<String, Instant> claimedUntil = new LinkedHashMap<>();

    synchronized void add(FlowEvent event) {
        if (pending.putIfAbsent(event.eventId(), event) != null) {
            throw new DuplicateKeyException("event " + event.eventId() + " exists");
        }
    }

    /** Whether an undelivered event has this id; the caller holds the storage lock. */
    synchronized boolean contains(String eventId) {
        return pending.containsKey(eventId);
    }

    @Override
    public synchronized List<FlowEvent> claimUndelivered(Instant now, Duration lease, int limit) {
        List<FlowEvent> free = new ArrayList<>();
        for (FlowEvent e : pending.values()) {
            Instant claim = claimedUntil.get(e.eventId());
            if (claim == null || !claim.isAfter(now)) {
                free.add(e);
            }
        }
        free.sort(Comparator.comparing(FlowEvent::createdAt).thenComparing(FlowEvent::eventId));
        List<FlowEvent> claimed = List.copyOf(free.subList(0, Math.min(limit, free.size())));
        Instant until = now.plus(lease);
        claimed.forEach(e -> claimedUntil.put(e.eventId(), until));
        return claimed;
    }

    @Override
    public synchronized void markDelivered(String eventId, Instant at) {
        pending.remove(eventId);
        claimedUntil.remove(eventId);
    }

    /** Forgets a flow's undelivered events (retention, erasure); returns how many. */
    synchronized int removeFlow(String flowId) {
        int before = pending.size();
        pending.values().removeIf(e -> flowId.equals(e.flowId()));
        claimedUntil.keySet().retainAll(pending.keySet());
        return before - pending.size();
    }
}
