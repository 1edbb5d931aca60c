package dev.idflow.core.spi;

import dev.idflow.core.model.ServiceSession;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Service sessions, changed by compare-and-set on {@link ServiceSession#version()}. */
public interface SessionRepository {

    /** Stores a new session. Same session id, or same liveness access-token hash → {@link DuplicateKeyException}. */
    void insert(ServiceSession session);

    Optional<ServiceSession> findById(String sessionId);

    /** The sessions of a flow, oldest first (created_at, then session id). */
    List<ServiceSession> findByFlowId(String flowId);

    /**
     * The sessions of each of {@code flowIds}, as {@link #findByFlowId} answers each; a flow without sessions has
     * no entry. In as few reads as the store can: the sweeper reads a claimed batch's sessions at once, the
     * console's charts a page of flows'. Each flow's list is one consistent read of that flow's sessions; lists of
     * different flows may be read at different moments (the sweeper's compare-and-set on each flow's version
     * catches a change in between). The default asks flow by flow.
     */
    default Map<String, List<ServiceSession>> findByFlowIds(Collection<String> flowIds) {
        Map<String, List<ServiceSession>> out = new LinkedHashMap<>();
        for (String flowId : flowIds) {
            if (!out.containsKey(flowId)) {
                List<ServiceSession> sessions = findByFlowId(flowId);
                if (!sessions.isEmpty()) {
                    out.put(flowId, sessions);
                }
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
