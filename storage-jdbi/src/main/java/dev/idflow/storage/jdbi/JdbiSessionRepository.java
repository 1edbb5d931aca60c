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
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM idflow_session WHERE session_id = ?";
    private static final String BY_FLOW_ID = "SELECT " + COLUMNS + " FROM idflow_session WHERE flow_id = ? "
            + "ORDER BY created_at, session_id";
    private static final String BY_ACCESS_TOKEN_HASH = "SELECT " + COLUMNS + " FROM idflow_session WHERE access_token_hash = ?";
    /** Rows are read by position ({@link Sql#position}); every statement here selects {@link #COLUMNS}. */
    private static final int SESSION_ID = Sql.position(COLUMNS, "session_id");
    private static final int CONSUMER_ID = Sql.position(COLUMNS, "consumer_id");
    private static final int PERSON_ID = Sql.position(COLUMNS, "person_id");
    private static final int FLOW_ID = Sql.position(COLUMNS, "flow_id");
    private static final int STEP_ID = Sql.position(COLUMNS, "step_id");
    private static final int SERVICE_NAME = Sql.position(COLUMNS, "service_name");
    private static final int API_VERSION = Sql.position(COLUMNS, "api_version");
    private static final int TEST_SESSION = Sql.position(COLUMNS, "test_session");
    private static final int STATE = Sql.position(COLUMNS, "state");
    private static final int STATES_COLUMN = Sql.position(COLUMNS, "states");
    private static final int STATUS = Sql.position(COLUMNS, "status");
    private static final int RESULT = Sql.position(COLUMNS, "result");
    private static final int SEALED_ACCESS_TOKEN = Sql.position(COLUMNS, "sealed_access_token");
    private static final int ACCESS_TOKEN_HASH = Sql.position(COLUMNS, "access_token_hash");
    private static final int LIVENESS_PIPELINE = Sql.position(COLUMNS, "liveness_pipeline");
    private static final int LIVENESS_PLATFORM = Sql.position(COLUMNS, "liveness_platform");
    private static final int LIVENESS_CONSUMER_DRIVEN = Sql.position(COLUMNS, "liveness_consumer_driven");
    private static final int ATTEMPTS_LEFT = Sql.position(COLUMNS, "attempts_left");
    private static final int EXPIRES_AT = Sql.position(COLUMNS, "expires_at");
    private static final int REVIEW_REASON = Sql.position(COLUMNS, "review_reason");
    private static final int LIVENESS_RESERVED_ATTEMPTS = Sql.position(COLUMNS, "liveness_reserved_attempts");
    private static final int STEP_STATE = Sql.position(COLUMNS, "step_state");
    private static final int CREATED_AT = Sql.position(COLUMNS, "created_at");
    private static final int UPDATED_AT = Sql.position(COLUMNS, "updated_at");
    private static final int VERSION = Sql.position(COLUMNS, "version");
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
        return jdbi.withHandle(h -> Sql.one(h, BY_ID, sessionId, JdbiSessionRepository::read));
    }

    @Override
    public List<ServiceSession> findByFlowId(String flowId) {
        return jdbi.withHandle(h -> Sql.list(h, BY_FLOW_ID, flowId, JdbiSessionRepository::read));
    }

    /** One SELECT per {@value Sql#IDS_PER_STATEMENT} flows (each statement one consistent read), on the flow_id index. */
    @Override
    public Map<String, List<ServiceSession>> findByFlowIds(Collection<String> flowIds) {
        Map<String, List<ServiceSession>> out = new LinkedHashMap<>();
        List<String> ids = flowIds.stream().distinct().toList();
        for (List<String> chunk : Sql.chunks(ids)) {
            jdbi.useHandle(h -> Sql.bindIds(h.createQuery("SELECT " + COLUMNS + " FROM idflow_session WHERE flow_id IN ("
                            + Sql.idPlaceholders(chunk.size()) + ") ORDER BY created_at, session_id"), chunk)
                    .map((rs, ctx) -> read(rs))
                    .forEach(session -> out.computeIfAbsent(session.flowId(), k -> new ArrayList<>()).add(session)));
        }
        return out;
    }

    @Override
    public Optional<ServiceSession> findByAccessTokenHash(String accessTokenHash) {
        return jdbi.withHandle(h -> Sql.one(h, BY_ACCESS_TOKEN_HASH, accessTokenHash, JdbiSessionRepository::read));
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
        String tokenHash = rs.getString(ACCESS_TOKEN_HASH);
        LivenessDetails liveness = tokenHash == null ? null : new LivenessDetails(
                rs.getString(SEALED_ACCESS_TOKEN),
                tokenHash,
                Sql.json(rs.getString(LIVENESS_PIPELINE), PIPELINE),
                rs.getString(LIVENESS_PLATFORM),
                rs.getInt(ATTEMPTS_LEFT),
                Sql.time(rs, EXPIRES_AT),
                rs.getBoolean(LIVENESS_CONSUMER_DRIVEN),
                reserved(rs.getString(LIVENESS_RESERVED_ATTEMPTS)));
        return new ServiceSession(
                rs.getString(SESSION_ID),
                rs.getString(CONSUMER_ID),
                rs.getString(PERSON_ID),
                rs.getString(FLOW_ID),
                rs.getString(STEP_ID),
                rs.getString(SERVICE_NAME),
                rs.getString(API_VERSION),
                rs.getBoolean(TEST_SESSION),
                SessionStateName.fromWire(rs.getString(STATE)),
                Sql.json(rs.getString(STATES_COLUMN), STATES),
                ExecutionStatus.fromWire(rs.getString(STATUS)),
                Sql.json(rs.getString(RESULT), ObjectNode.class),
                liveness,
                Sql.json(rs.getString(STEP_STATE), ObjectNode.class),
                rs.getString(REVIEW_REASON),
                Sql.time(rs, CREATED_AT),
                Sql.time(rs, UPDATED_AT),
                rs.getLong(VERSION));
    }
}
