package dev.idflow.core.spi;

import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.ServiceSession;
import java.util.List;
import java.util.Objects;

/**
 * One atomic step of the flow state machine: the flow's compare-and-set, the sessions it opens and
 * the sessions it changes (each a compare-and-set too), and the events it emits. A store applies
 * all of it or none of it ({@link IdflowStorage#commit}).
 */
public record FlowChange(Flow flow, List<ServiceSession> newSessions, List<ServiceSession> changedSessions,
                         List<FlowEvent> events) {
    public FlowChange {
        Objects.requireNonNull(flow, "flow");
        newSessions = newSessions == null ? List.of() : List.copyOf(newSessions);
        changedSessions = changedSessions == null ? List.of() : List.copyOf(changedSessions);
        events = events == null ? List.of() : List.copyOf(events);
    }
}
