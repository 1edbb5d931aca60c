package dev.idflow.core.spi;

import dev.idflow.core.model.ServiceSession;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Service sessions, changed by compare-and-set on {@link ServiceSession#version()}. */
public interface SessionRepository {

    /** Stores a new session. Same session id, or same liveness access-token hash → {@link DuplicateKeyException}. */
    void insert(ServiceSession session);

    Optional<ServiceSession> findById(String sessionId);

    /** The sessions of a flow, oldest first (created_at, then session id). */
    List<ServiceSession> findByFlowId(String flowId);

    /**
     * The sessions of each of {@code flowIds} (at most {@link FlowQuery#MAX_LIMIT} ids), as
     * {@link #findByFlowId} would answer each; a flow without sessions has no entry. For the console's
     * charts, which read the sessions of a page of flows at once: a store answers it in one query or scan;
     * the default asks flow by flow.
     */
    default java.util.Map<String, List<ServiceSession>> findByFlowIds(java.util.Collection<String> flowIds) {
        java.util.Map<String, List<ServiceSession>> out = new java.util.LinkedHashMap<>();
        for (String flowId : flowIds) {
            List<ServiceSession> sessions = findByFlowId(flowId);
            if (!sessions.isEmpty()) {
                out.put(flowId, sessions);
            }
        }
        return out;
    }

    /** The liveness session whose access token hashes to {@code accessTokenHash}. */
    Optional<ServiceSession> findByAccessTokenHash(String accessTokenHash);

    /** Compare-and-set, as {@link FlowRepository#update}: stored version must equal {@code session.version()}. */
    boolean update(ServiceSession session);

    /** How many sessions of {@code serviceName} a consumer opened for a person at or after {@code since}. */
    int countCreatedSince(String consumerId, String personId, String serviceName, Instant since);
}
