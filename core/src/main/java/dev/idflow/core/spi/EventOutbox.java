package dev.idflow.core.spi;

import dev.idflow.core.model.FlowEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Events written by {@link IdflowStorage#commit}, waiting to be delivered to the host. */
public interface EventOutbox {

    /**
     * Claims up to {@code limit} undelivered events, oldest first (created_at, then event id), that no
     * one holds a live claim on; each claim lasts {@code lease}. Two callers never receive the same
     * event while its claim lives; an event whose deliverer died is claimable again after the lease.
     */
    List<FlowEvent> claimUndelivered(Instant now, Duration lease, int limit);

    /** Marks an event delivered: it is never claimed again. */
    void markDelivered(String eventId, Instant at);
}
