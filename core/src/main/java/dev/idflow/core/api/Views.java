package dev.idflow.core.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.model.SessionStateName;
import java.time.Instant;
import java.util.List;

/** Response bodies, field for field as the spec's schemas (snake_case by the shared mapper; nulls omitted). */
final class Views {
    private Views() {
    }

    record CreateFlowResponse(String flowId, String vlink) {
    }

    record InputMeta(String initialDeviceType) {
    }

    record FlowView(
            String flowId, String consumerId, String vlink, String apiVersion, String locale, String personId,
            FlowTemplate template, Boolean testFlow, String currentStepId, String callbackUrl, FlowInputData inputData,
            InputMeta inputMeta, String templateId, Instant createdAt, Integer ttl, Instant updatedAt, Instant polledAt,
            Instant startedAt, Instant currentStepStartedAt, Instant endedAt, ExecutionStatus flowStatus,
            EndCause endCause) {
    }

    record ServiceStatus(
            String serviceName, String sessionId, String stepId, ExecutionStatus sessionStatus,
            SessionStateName sessionState, List<SessionState> sessionStates, String frontendSessionStatus,
            ObjectNode sessionResult, Instant createdAt, Instant updatedAt) {
    }

    record FlowProjection(
            String personId, String flowId, String personName, String iin, String checkType, String countryCode,
            EndCause endCause, ExecutionStatus flowStatus, Integer sessionsCount, Integer servicesCount,
            Instant createdAt, Instant updatedAt, Instant endedAt, List<ServiceStatus> serviceStatuses) {
    }

    record SessionProjection(
            String sessionId, String personId, String consumerId, String flowId, String vlinkId, String apiVersion,
            String serviceName, Instant createdAt, Instant updatedAt, List<SessionState> sessionStates,
            ObjectNode result) {
    }

    record LivenessSessionCreated(
            String accessToken, String sessionId, String personId, String flowId, Instant createdAt,
            Integer attemptsLeft) {
    }

    record StoredUpload(String sessionId) {
    }

    record MockeryAccepted(String personId, String serviceName) {
    }
}
