package dev.idflow.core.spi;

import dev.idflow.core.model.FlowEvent;

/**
 * Told of flow events (started, session ended, ended) after they are committed. Each event reaches
 * the listeners of one node once; a listener that throws gets the event again later (after the
 * claim's lease), so make it idempotent on {@link FlowEvent#eventId()}.
 */
@FunctionalInterface
public interface FlowListener {
    void onEvent(FlowEvent event) throws Exception;
}
