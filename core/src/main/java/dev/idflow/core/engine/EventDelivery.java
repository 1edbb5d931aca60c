package dev.idflow.core.engine;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.spi.FlowListener;
import dev.idflow.core.spi.IdflowStorage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers committed events from the outbox to this node's listeners. An event is claimed by one
 * node at a time and marked delivered once every listener took it, so with two nodes each event
 * reaches the listeners once; a listener that throws gets it again after the claim's lease.
 */
public final class EventDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(EventDelivery.class);
    static final Duration LEASE = Duration.ofSeconds(60);
    private final IdflowStorage storage;
    private final Clock clock;
    private final List<FlowListener> listeners = new CopyOnWriteArrayList<>();

    public EventDelivery(IdflowStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    public void addListener(FlowListener listener) {
        listeners.add(listener);
    }

    /** Delivers what is waiting; returns how many events were delivered. */
    public int deliverOnce() {
        if (listeners.isEmpty()) {
            return 0; // keep the events for a node that has listeners
        }
        int delivered = 0;
        while (true) {
            List<FlowEvent> batch = storage.events().claimUndelivered(clock.instant(), LEASE, 100);
            for (FlowEvent event : batch) {
                if (deliver(event)) {
                    storage.events().markDelivered(event.eventId(), clock.instant());
                    delivered++;
                }
            }
            if (batch.size() < 100) {
                return delivered;
            }
        }
    }

    private boolean deliver(FlowEvent event) {
        for (FlowListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (Exception e) {
                LOG.warn("listener failed on event {} ({}); it is retried after {}", event.eventId(), event.type(), LEASE, e);
                return false;
            }
        }
        return true;
    }
}
