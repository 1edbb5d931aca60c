package dev.idflow.core.spi;

import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.ServiceSession;
import java.util.List;
import java.util.Objects;

/**
 * One atomic step of the flow state machine: the flow's compare-and-set, the sessions it opens and
 * the sessions it changes (each a compare-and-set too), the events it emits, and the files it binds
 * (saved unbound before the commit, findable by a download from this commit on). A store applies all
 * of it or none of it ({@link IdflowStorage#commit}): a change that loses its compare-and-set binds
 * nothing, so the files of a losing attempt are never found.
 */
public record FlowChange(Flow flow, List<ServiceSession> newSessions, List<ServiceSession> changedSessions,
                         List<FlowEvent> events, List<String> bindFiles) {
    public FlowChange {
        Objects.requireNonNull(flow, "flow");
        newSessions = newSessions == null ? List.of() : List.copyOf(newSessions);
        changedSessions = changedSessions == null ? List.of() : List.copyOf(changedSessions);
        events = events == null ? List.of() : List.copyOf(events);
        bindFiles = bindFiles == null ? List.of() : List.copyOf(bindFiles);
    }

    /** A change that binds no file. */
    public FlowChange(Flow flow, List<ServiceSession> newSessions, List<ServiceSession> changedSessions,
                      List<FlowEvent> events) {
        this(flow, newSessions, changedSessions, events, null);
    }
}
