package dev.idflow.core.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * Something the host application is told about: a flow started, a session ended, a flow ended.
 * Written in the same transaction as the change it reports (an outbox), delivered from there once.
 * {@code sessionId} is null for flow events; {@code payload} holds the facts at the time (statuses).
 */
public record FlowEvent(
        String eventId,
        Type type,
        String consumerId,
        String flowId,
        String sessionId,
        ObjectNode payload,
        Instant createdAt) {

    public enum Type { FLOW_STARTED, SESSION_ENDED, FLOW_ENDED }

    public FlowEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(flowId, "flowId");
        Objects.requireNonNull(createdAt, "createdAt");
        payload = payload == null ? null : payload.deepCopy();
    }

    @Override
    public ObjectNode payload() {
        return payload == null ? null : payload.deepCopy();
    }
}
