package dev.idflow.core.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One service session: one attempt at one step of a flow (or a standalone upload). {@code result}
 * is the service's technical result as JSON (a VeriliveResult for verilive); {@code states} is the
 * full history, newest last. {@code version} is checked on every update.
 *
 * <p>{@code stepState}: while the session waits (for the person or for an outside system), what its
 * service keeps between calls: {@code {"screen": {...}, "state": {...}, "awaits": "person"|"outside"}}.
 * The screen is what the hosted page shows; the state is the service's own (an OTP's hash and tries)
 * and is never shown to anyone. Null for a session that waits for nothing or has ended.
 */
public record ServiceSession(
        String sessionId,
        String consumerId,
        String personId,
        String flowId,
        String stepId,
        String serviceName,
        String apiVersion,
        boolean testSession,
        SessionStateName state,
        List<SessionState> states,
        ExecutionStatus status,
        ObjectNode result,
        LivenessDetails liveness,
        ObjectNode stepState,
        String reviewReason,
        Instant createdAt,
        Instant updatedAt,
        long version) {

    public ServiceSession {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(personId, "personId");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        states = states == null ? List.of() : List.copyOf(states);
        result = result == null ? null : result.deepCopy();
        stepState = stepState == null ? null : stepState.deepCopy();
    }

    @Override
    public ObjectNode result() {
        return result == null ? null : result.deepCopy();
    }

    @Override
    public ObjectNode stepState() {
        return stepState == null ? null : stepState.deepCopy();
    }

    public ServiceSession withStepState(ObjectNode newState, Instant at) {
        return new ServiceSession(sessionId, consumerId, personId, flowId, stepId, serviceName, apiVersion,
                testSession, state, states, status, result, liveness, newState, reviewReason, createdAt, at, version);
    }

    /** This session moved to {@code next} at {@code at}, the change appended to its history. */
    public ServiceSession transition(SessionStateName next, Instant at) {
        List<SessionState> history = new java.util.ArrayList<>(states);
        history.add(new SessionState(next, at));
        return new ServiceSession(sessionId, consumerId, personId, flowId, stepId, serviceName, apiVersion,
                testSession, next, history, status, result, liveness, stepState, reviewReason, createdAt, at, version);
    }

    public ServiceSession withOutcome(ExecutionStatus newStatus, ObjectNode newResult, Instant at) {
        return new ServiceSession(sessionId, consumerId, personId, flowId, stepId, serviceName, apiVersion,
                testSession, state, states, newStatus, newResult, liveness, stepState, reviewReason, createdAt, at, version);
    }

    public ServiceSession withLiveness(LivenessDetails details, Instant at) {
        return new ServiceSession(sessionId, consumerId, personId, flowId, stepId, serviceName, apiVersion,
                testSession, state, states, status, result, details, stepState, reviewReason, createdAt, at, version);
    }

    public ServiceSession withReviewReason(String reason) {
        return new ServiceSession(sessionId, consumerId, personId, flowId, stepId, serviceName, apiVersion,
                testSession, state, states, status, result, liveness, stepState, reason, createdAt, updatedAt, version);
    }

    public ServiceSession withVersion(long newVersion) {
        return new ServiceSession(sessionId, consumerId, personId, flowId, stepId, serviceName, apiVersion,
                testSession, state, states, status, result, liveness, stepState, reviewReason, createdAt, updatedAt, newVersion);
    }
}
