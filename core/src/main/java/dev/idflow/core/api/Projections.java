package dev.idflow.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.ServiceNames;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/** Builds the spec's FlowProjection and SessionProjection from stored flows and sessions. */
final class Projections {
    private Projections() {
    }

    static Views.FlowProjection flow(Flow flow, List<ServiceSession> sessions) {
        List<Views.ServiceStatus> statuses = new ArrayList<>();
        Instant updated = flow.updatedAt();
        for (ServiceSession s : sessions) {
            statuses.add(new Views.ServiceStatus(s.serviceName(), s.sessionId(), s.stepId(), s.status(), s.state(),
                    s.states(), frontendStatus(s), resultForWire(s), s.createdAt(), s.updatedAt()));
            if (s.updatedAt() != null && (updated == null || s.updatedAt().isAfter(updated))) {
                updated = s.updatedAt();
            }
        }
        boolean edited = flow.edited() || sessions.stream().anyMatch(s -> s.state() == SessionStateName.REVIEWED);
        FlowInputData input = flow.inputData();
        return new Views.FlowProjection(flow.personId(), flow.flowId(),
                extracted(sessions, "person_name", "full_name").or(() -> Optional.ofNullable(input).map(FlowInputData::fullName)).orElse(null),
                extracted(sessions, "iin").or(() -> Optional.ofNullable(input).map(FlowInputData::iin)).orElse(null),
                edited ? "edited" : "auto",
                extracted(sessions, "country_code").orElse(null),
                flow.endCause(), flow.flowStatus(), sessions.size(),
                new LinkedHashSet<>(sessions.stream().map(ServiceSession::serviceName).toList()).size(),
                flow.createdAt(), updated, flow.endedAt(), statuses);
    }

    static Views.SessionProjection session(ServiceSession s, String vlinkId) {
        return new Views.SessionProjection(s.sessionId(), s.personId(), s.consumerId(), s.flowId(), vlinkId,
                s.apiVersion(), s.serviceName(), s.createdAt(), s.updatedAt(), s.states(), resultForWire(s));
    }

    /**
     * The spec types a session's result as a VeriliveResult (its only oneOf branch), so only verilive
     * results go on the wire; other services' results stay readable through the Java API. A
     * {@code verilive-one-shot} result is a liveness verdict of the same shape: it goes on the wire without
     * its {@code service_name} (VeriliveResult's names only verilive; the session's own service_name says
     * which service it was).
     */
    private static ObjectNode resultForWire(ServiceSession s) {
        if (ServiceNames.VERILIVE.equals(s.serviceName())) {
            return s.result();
        }
        if ("verilive-one-shot".equals(s.serviceName()) && s.result() != null) {
            ObjectNode result = s.result();
            result.remove("service_name");
            return result;
        }
        return null;
    }

    /** A value a service extracted (a document's name, say); the newest session that has it wins. */
    private static Optional<String> extracted(List<ServiceSession> sessions, String... fields) {
        for (int i = sessions.size() - 1; i >= 0; i--) {
            ObjectNode result = sessions.get(i).result();
            if (result == null || ServiceNames.VERILIVE.equals(sessions.get(i).serviceName())) {
                continue;
            }
            for (String field : fields) {
                JsonNode v = result.get(field);
                if (v != null && v.isTextual() && !v.asText().isBlank()) {
                    return Optional.of(v.asText());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The spec's frontend_session_status: active while running; then approved (pass), denied (fail),
     * expired (failed by timeout), failure (the service itself broke), or reviewing (no verdict: someone
     * has to look).
     */
    static String frontendStatus(ServiceSession s) {
        if (s.state() == SessionStateName.CREATED || s.state() == SessionStateName.PROCESSING) {
            return "active";
        }
        if (s.status() == ExecutionStatus.PASS) {
            return "approved";
        }
        if (s.status() == ExecutionStatus.FAIL) {
            ObjectNode result = s.result();
            if (result != null && "error".equals(result.path("service_status").asText())) {
                return "failure"; // the service broke (the flow ended "failed"), not the person
            }
            JsonNode codes = result == null ? null : result.get("error_codes");
            if (codes != null && codes.isArray()) {
                for (JsonNode code : codes) {
                    if ("timeout".equals(code.asText())) {
                        return "expired";
                    }
                }
            }
            return "denied";
        }
        return "reviewing";
    }
}
