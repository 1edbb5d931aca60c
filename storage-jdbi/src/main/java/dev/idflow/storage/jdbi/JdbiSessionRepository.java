package dev.idflow.storage.jdbi;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.LivenessDetails;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.spi.SessionRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;

/** Service sessions in {@code idflow_session}; every change is a compare-and-set on {@code version}. */
final class JdbiSessionRepository implements SessionRepository {
    private static final String COLUMNS = "session_id, consumer_id, person_id, flow_id, step_id, service_name, "
            + "api_version, test_session, state, states, status, result, sealed_access_token, access_token_hash, "
            + "liveness_pipeline, liveness_platform, liveness_consumer_driven, attempts_left, expires_at, review_reason, "
            + "liveness_reserved_attempts, step_state, created_at, updated_at, version";
    private static final String PARAMETERS = ":sessionId, :consumerId, :personId, :flowId, :stepId, :serviceName, "
            + ":apiVersion, :testSession, :state, :states, :status, :result, :accessToken, :accessTokenHash, "
            + ":livenessPipeline, :livenessPlatform, :consumerDriven, :attemptsLeft, :expiresAt, :reviewReason, "
            + ":reservedAttempts, :stepState, :createdAt, :updatedAt, :version";
    private static final TypeReference<List<SessionState>> STATES = new TypeReference<>() { };
    private static final TypeReference<List<List<String>>> PIPELINE = new TypeReference<>() { };
    private static final TypeReference<List<String>> RESERVED = new TypeReference<>() { };

    private final Jdbi jdbi;

    JdbiSessionRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void insert(ServiceSession session) {
        Sql.uniquely("session " + session.sessionId() + " or its access token", () -> jdbi.inTransaction(h -> {
            insert(h, session);
            return null;
        }));
    }

    /** Inserts in the caller's transaction; the primary key and the token's unique index refuse duplicates. */
    static void insert(Handle h, ServiceSession session) {
        bind(h.createUpdate("INSERT INTO idflow_session (" + COLUMNS + ") VALUES (" + PARAMETERS + ")"), session).execute();
    }

    @Override
    public Optional<ServiceSession> findById(String sessionId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_session WHERE session_id = :id")
                .bind("id", sessionId)
                .map((rs, ctx) -> read(rs))
                .findOne());
    }

    @Override
    public List<ServiceSession> findByFlowId(String flowId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_session WHERE flow_id = :id "
                        + "ORDER BY created_at, session_id")
                .bind("id", flowId)
                .map((rs, ctx) -> read(rs))
                .list());
    }

    /** One query for a page of flows (idflow_session_flow_ix), instead of one per flow. */
    @Override
    public java.util.Map<String, List<ServiceSession>> findByFlowIds(java.util.Collection<String> flowIds) {
        java.util.Map<String, List<ServiceSession>> out = new java.util.LinkedHashMap<>();
        if (flowIds.isEmpty()) {
            return out;
        }
        List<String> ids = List.copyOf(flowIds);
        StringBuilder placeholders = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            placeholders.append(i == 0 ? ":id" : ", :id").append(i);
        }
        jdbi.useHandle(h -> {
            var query = h.createQuery("SELECT " + COLUMNS + " FROM idflow_session WHERE flow_id IN (" + placeholders
                    + ") ORDER BY flow_id, created_at, session_id");
            for (int i = 0; i < ids.size(); i++) {
                query.bind("id" + i, ids.get(i));
            }
            query.map((rs, ctx) -> read(rs))
                    .forEach(s -> out.computeIfAbsent(s.flowId(), k -> new java.util.ArrayList<>()).add(s));
        });
        return out;
    }

    @Override
    public Optional<ServiceSession> findByAccessTokenHash(String accessTokenHash) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_session WHERE access_token_hash = :hash")
                .bind("hash", accessTokenHash)
                .map((rs, ctx) -> read(rs))
                .findOne());
    }

    @Override
    public boolean update(ServiceSession session) {
        return Sql.uniquely("access token", () -> jdbi.inTransaction(h -> update(h, session)));
    }

    /**
     * Compare-and-set in one statement, in the caller's transaction, as {@link JdbiFlowRepository#update}:
     * of two writers holding the same version, the database lets the first bump it, and the second,
     * re-evaluated against the committed row, matches 0 rows. An update that gives the session an access
     * token another session holds is refused by the unique index.
     */
    static boolean update(Handle h, ServiceSession session) {
        return bind(h.createUpdate(UPDATE), session).execute() == 1;
    }

    /**
     * {@link #update(Handle, ServiceSession)} for several sessions in one JDBC batch, in the caller's transaction:
     * whether every row matched (each its own compare-and-set on its version).
     */
    static boolean updateAll(Handle h, List<ServiceSession> sessions) {
        if (sessions.isEmpty()) {
            return true;
        }
        PreparedBatch batch = h.prepareBatch(UPDATE);
        for (ServiceSession s : sessions) {
            bind(batch, s).add();
        }
        for (int count : batch.execute()) {
            if (count != 1) {
                return false;
            }
        }
        return true;
    }

    static void insertAll(Handle h, List<ServiceSession> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        PreparedBatch batch = h.prepareBatch("INSERT INTO idflow_session (" + COLUMNS + ") VALUES (" + PARAMETERS + ")");
        for (ServiceSession s : sessions) {
            bind(batch, s).add();
        }
        batch.execute();
    }

    private static final String UPDATE = "UPDATE idflow_session SET "
                        + "consumer_id = :consumerId, person_id = :personId, flow_id = :flowId, step_id = :stepId, "
                        + "service_name = :serviceName, api_version = :apiVersion, test_session = :testSession, "
                        + "state = :state, states = :states, status = :status, result = :result, "
                        + "sealed_access_token = :accessToken, access_token_hash = :accessTokenHash, "
                        + "liveness_pipeline = :livenessPipeline, liveness_platform = :livenessPlatform, "
                        + "liveness_consumer_driven = :consumerDriven, attempts_left = :attemptsLeft, "
                        + "expires_at = :expiresAt, review_reason = :reviewReason, "
                        + "liveness_reserved_attempts = :reservedAttempts, step_state = :stepState, created_at = :createdAt, "
                        + "updated_at = :updatedAt, version = version + 1 "
                        + "WHERE session_id = :sessionId AND version = :version";

    @Override
    public int countCreatedSince(String consumerId, String personId, String serviceName, Instant since) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM idflow_session WHERE consumer_id = :consumerId "
                        + "AND person_id = :personId AND service_name = :serviceName AND created_at >= :since")
                .bind("consumerId", consumerId)
                .bind("personId", personId)
                .bind("serviceName", serviceName)
                .bind("since", Sql.time(since))
                .mapTo(Integer.class)
                .one());
    }

    private static <S extends SqlStatement<S>> S bind(S statement, ServiceSession s) {
        LivenessDetails l = s.liveness();
        return statement
                .bind("sessionId", s.sessionId())
                .bind("consumerId", s.consumerId())
                .bind("personId", s.personId())
                .bind("flowId", s.flowId())
                .bind("stepId", s.stepId())
                .bind("serviceName", s.serviceName())
                .bind("apiVersion", s.apiVersion())
                .bind("testSession", s.testSession())
                .bind("state", s.state().wire())
                .bind("states", Sql.json(s.states()))
                .bind("status", s.status().wire())
                .bind("result", Sql.json(s.result()))
                .bind("accessToken", l == null ? null : l.sealedAccessToken())
                .bind("accessTokenHash", l == null ? null : l.accessTokenHash())
                .bind("livenessPipeline", l == null ? null : Sql.json(l.pipeline()))
                .bind("livenessPlatform", l == null ? null : l.platform())
                .bind("consumerDriven", l == null ? null : l.consumerDriven())
                .bind("attemptsLeft", l == null ? null : l.attemptsLeft())
                .bind("expiresAt", Sql.time(l == null ? null : l.expiresAt()))
                .bind("reviewReason", s.reviewReason())
                .bind("reservedAttempts", l == null ? null : Sql.json(l.reservedAttempts()))
                .bind("stepState", Sql.json(s.stepState()))
                .bind("createdAt", Sql.time(s.createdAt()))
                .bind("updatedAt", Sql.time(s.updatedAt()))
                .bind("version", s.version());
    }

    private static List<String> reserved(String json) {
        return json == null ? List.of() : Sql.json(json, RESERVED);
    }

    private static ServiceSession read(ResultSet rs) throws SQLException {
        String tokenHash = rs.getString("access_token_hash");
        LivenessDetails liveness = tokenHash == null ? null : new LivenessDetails(
                rs.getString("sealed_access_token"),
                tokenHash,
                Sql.json(rs.getString("liveness_pipeline"), PIPELINE),
                rs.getString("liveness_platform"),
                rs.getInt("attempts_left"),
                Sql.time(rs, "expires_at"),
                rs.getBoolean("liveness_consumer_driven"),
                reserved(rs.getString("liveness_reserved_attempts")));
        return new ServiceSession(
                rs.getString("session_id"),
                rs.getString("consumer_id"),
                rs.getString("person_id"),
                rs.getString("flow_id"),
                rs.getString("step_id"),
                rs.getString("service_name"),
                rs.getString("api_version"),
                rs.getBoolean("test_session"),
                SessionStateName.fromWire(rs.getString("state")),
                Sql.json(rs.getString("states"), STATES),
                ExecutionStatus.fromWire(rs.getString("status")),
                Sql.json(rs.getString("result"), ObjectNode.class),
                liveness,
                Sql.json(rs.getString("step_state"), ObjectNode.class),
                rs.getString("review_reason"),
                Sql.time(rs, "created_at"),
                Sql.time(rs, "updated_at"),
                rs.getLong("version"));
    }
}
