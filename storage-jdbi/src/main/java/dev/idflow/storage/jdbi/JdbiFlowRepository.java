package dev.idflow.storage.jdbi;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.spi.FlowQuery;
import dev.idflow.core.spi.FlowRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;

/** Flows in {@code idflow_flow}; every state change is a compare-and-set on {@code version}. */
final class JdbiFlowRepository implements FlowRepository {
    private static final String COLUMNS = "flow_id, consumer_id, vlink_hash, vlink_sealed, api_version, locale, person_id, template, "
            + "template_id, test_flow, callback_url, input_data, initial_device_type, device_platform, ttl, created_at, updated_at, "
            + "polled_at, started_at, current_step_id, current_step_started_at, last_activity_at, ended_at, "
            + "flow_status, end_cause, edited, deadline_at, version";
    private static final String PARAMETERS = ":flowId, :consumerId, :vlinkHash, :sealedVlink, :apiVersion, :locale, :personId, "
            + ":template, :templateId, :testFlow, :callbackUrl, :inputData, :initialDeviceType, :devicePlatform, :ttl, :createdAt, "
            + ":updatedAt, :polledAt, :startedAt, :currentStepId, :currentStepStartedAt, :lastActivityAt, :endedAt, "
            + ":flowStatus, :endCause, :edited, :deadlineAt, :version";

    /**
     * The compare-and-set. polled_at and last_activity_at are written without version checks
     * ({@link #markPolled}, {@link #touchActivity}), so the copy being stored may carry older values
     * than the row: those two keep whichever is later. The claim is released in the same statement.
     */
    private static final String UPDATE = "UPDATE idflow_flow SET "
            + "consumer_id = :consumerId, api_version = :apiVersion, locale = :locale, person_id = :personId, "
            + "template = :template, template_id = :templateId, test_flow = :testFlow, callback_url = :callbackUrl, "
            + "input_data = :inputData, initial_device_type = :initialDeviceType, device_platform = :devicePlatform, ttl = :ttl, created_at = :createdAt, "
            + "updated_at = :updatedAt, "
            + "polled_at = CASE WHEN polled_at IS NULL OR polled_at < :polledAt THEN :polledAt ELSE polled_at END, "
            + "started_at = :startedAt, current_step_id = :currentStepId, "
            + "current_step_started_at = :currentStepStartedAt, "
            + "last_activity_at = CASE WHEN last_activity_at IS NULL OR last_activity_at < :lastActivityAt "
            + "THEN :lastActivityAt ELSE last_activity_at END, "
            + "ended_at = :endedAt, flow_status = :flowStatus, end_cause = :endCause, edited = :edited, "
            + "deadline_at = :deadlineAt, claimed_until = NULL, version = version + 1 "
            + "WHERE flow_id = :flowId AND version = :version AND vlink_hash = :vlinkHash";

    private static final String BY_ID = "SELECT " + COLUMNS + " FROM idflow_flow WHERE flow_id = ?";
    private static final String BY_VLINK_HASH = "SELECT " + COLUMNS + " FROM idflow_flow WHERE vlink_hash = ?";

    /** Rows are read by position ({@link Sql#position}); every statement here selects {@link #COLUMNS}. */
    private static final int FLOW_ID = Sql.position(COLUMNS, "flow_id"), CONSUMER_ID = Sql.position(COLUMNS, "consumer_id"),
            VLINK_HASH = Sql.position(COLUMNS, "vlink_hash"), VLINK_SEALED = Sql.position(COLUMNS, "vlink_sealed"),
            API_VERSION = Sql.position(COLUMNS, "api_version"), LOCALE = Sql.position(COLUMNS, "locale"),
            PERSON_ID = Sql.position(COLUMNS, "person_id"), TEMPLATE = Sql.position(COLUMNS, "template"),
            TEMPLATE_ID = Sql.position(COLUMNS, "template_id"), TEST_FLOW = Sql.position(COLUMNS, "test_flow"),
            CALLBACK_URL = Sql.position(COLUMNS, "callback_url"), INPUT_DATA = Sql.position(COLUMNS, "input_data"),
            INITIAL_DEVICE_TYPE = Sql.position(COLUMNS, "initial_device_type"),
            DEVICE_PLATFORM = Sql.position(COLUMNS, "device_platform"), TTL = Sql.position(COLUMNS, "ttl"),
            CREATED_AT = Sql.position(COLUMNS, "created_at"), UPDATED_AT = Sql.position(COLUMNS, "updated_at"),
            POLLED_AT = Sql.position(COLUMNS, "polled_at"), STARTED_AT = Sql.position(COLUMNS, "started_at"),
            CURRENT_STEP_ID = Sql.position(COLUMNS, "current_step_id"),
            CURRENT_STEP_STARTED_AT = Sql.position(COLUMNS, "current_step_started_at"),
            LAST_ACTIVITY_AT = Sql.position(COLUMNS, "last_activity_at"), ENDED_AT = Sql.position(COLUMNS, "ended_at"),
            FLOW_STATUS = Sql.position(COLUMNS, "flow_status"), END_CAUSE = Sql.position(COLUMNS, "end_cause"),
            EDITED = Sql.position(COLUMNS, "edited"), DEADLINE_AT = Sql.position(COLUMNS, "deadline_at"),
            VERSION = Sql.position(COLUMNS, "version");

    /**
     * Templates parsed, by their stored text: most flows of a bank share a handful of templates, and parsing
     * one (Jackson, into records) was the largest part of reading a flow. Bounded by the texts' length
     * (4M characters in all); a template holding Jackson trees is handed out detached
     * ({@link FlowTemplate#detached}), so no caller can change the cached one. input_data is never cached:
     * it is a person's own data, and each flow's differs.
     */
    private final Cache<String, FlowTemplate> templates = Caffeine.newBuilder()
            .maximumWeight(4L << 20).weigher((String text, FlowTemplate t) -> text.length()).build();

    private final Jdbi jdbi;
    private final Claimer<Flow> claimer;
    /** flow_id ordered bytewise on PostgreSQL (as the V13 index and Java's String order), H2 compares so anyway. */
    private final String flowIdOrder;

    JdbiFlowRepository(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.flowIdOrder = dialect == Dialect.POSTGRESQL ? "flow_id COLLATE \"C\"" : "flow_id";
        this.claimer = new Claimer<>(jdbi, dialect, "idflow_flow", "flow_id", COLUMNS,
                "ended_at IS NULL AND deadline_at <= :now AND (claimed_until IS NULL OR claimed_until <= :now)",
                "deadline_at, flow_id", (rs, ctx) -> read(rs));
    }

    @Override
    public void insert(Flow flow) {
        Sql.uniquely("flow " + flow.flowId() + " or its vlink", () -> jdbi.inTransaction(h ->
                bind(h.createUpdate("INSERT INTO idflow_flow (" + COLUMNS + ") VALUES (" + PARAMETERS + ")"), flow)
                        .execute()));
    }

    @Override
    public Optional<Flow> findById(String flowId) {
        return jdbi.withHandle(h -> Sql.one(h, BY_ID, flowId, this::read));
    }

    @Override
    public Optional<Flow> findByVlinkHash(String vlinkHash) {
        return jdbi.withHandle(h -> Sql.one(h, BY_VLINK_HASH, vlinkHash, this::read));
    }

    /**
     * One statement; only bound parameters. The keyset condition is spelled out (not a row comparison) so
     * that both dialects use the V13 index {@code (consumer_id, created_at DESC, flow_id DESC)}, with
     * {@code created_at <= cursor} as the index range's start: a deep page reads no rows before its cursor.
     */
    @Override
    public List<Flow> search(FlowQuery q) {
        return jdbi.withHandle(h -> bindSearch(h.createQuery(searchSql(q)), q).map((rs, ctx) -> read(rs)).list());
    }

    /** The search's statement (package-private: a test EXPLAINs it on PostgreSQL). */
    String searchSql(FlowQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM idflow_flow WHERE consumer_id = :consumerId");
        if (q.status() != null) {
            sql.append(" AND flow_status = :status");
        }
        if (q.endCause() != null) {
            sql.append(" AND end_cause = :endCause");
        }
        if (q.createdFrom() != null) {
            sql.append(" AND created_at >= :createdFrom");
        }
        if (q.createdBefore() != null) {
            sql.append(" AND created_at < :createdBefore");
        }
        if (!q.personIds().isEmpty()) {
            sql.append(" AND person_id IN (");
            for (int i = 0; i < q.personIds().size(); i++) {
                sql.append(i == 0 ? ":person" : ", :person").append(i);
            }
            sql.append(")");
        }
        if (q.test() != null) {
            sql.append(" AND test_flow = :test");
        }
        if (q.after() != null) {
            // the first condition is redundant but bounds the index range: the scan starts at the cursor
            sql.append(" AND created_at <= :afterAt AND (created_at < :afterAt OR (created_at = :afterAt AND ")
                    .append(flowIdOrder).append(" < :afterId))");
        }
        sql.append(" ORDER BY created_at DESC, ").append(flowIdOrder).append(" DESC LIMIT :limit");
        return sql.toString();
    }

    static <S extends SqlStatement<S>> S bindSearch(S query, FlowQuery q) {
        query.bind("consumerId", q.consumerId()).bind("limit", q.limit());
        if (q.status() != null) {
            query.bind("status", q.status().wire());
        }
        if (q.endCause() != null) {
            query.bind("endCause", q.endCause().wire());
        }
        if (q.createdFrom() != null) {
            query.bind("createdFrom", Sql.time(q.createdFrom()));
        }
        if (q.createdBefore() != null) {
            query.bind("createdBefore", Sql.time(q.createdBefore()));
        }
        if (!q.personIds().isEmpty()) {
            for (int i = 0; i < q.personIds().size(); i++) {
                query.bind("person" + i, q.personIds().get(i));
            }
        }
        if (q.test() != null) {
            query.bind("test", q.test().booleanValue());
        }
        if (q.after() != null) {
            query.bind("afterAt", Sql.time(q.after().createdAt())).bind("afterId", q.after().flowId());
        }
        return query;
    }

    @Override
    public boolean update(Flow flow) {
        return jdbi.inTransaction(h -> update(h, flow));
    }

    /**
     * The compare-and-set, in the caller's transaction. One statement decides: the row changes only if
     * its version is still the one the caller read. Two writers holding the same version (the person
     * finishing a step while the sweeper times it out) both send it; the database applies them to the
     * row one after the other, the first bumps the version, and the second, re-evaluated against the
     * row the first committed, matches 0 rows and returns false. Nothing is lost: the loser reads again.
     */
    boolean update(Handle h, Flow flow) {
        if (bind(h.createUpdate(UPDATE), flow).execute() == 1) {
            return true;
        }
        return lostRace(h, flow);
    }

    /**
     * The compare-and-set of {@link #update(Handle, Flow)} for several flows, in the caller's transaction, in one
     * JDBC batch (one round-trip): per flow, whether its row matched. Each row's WHERE version = ? is its own
     * compare-and-set, exactly as one by one.
     */
    boolean[] updateAll(Handle h, List<Flow> flows) {
        boolean[] updated = new boolean[flows.size()];
        if (flows.isEmpty()) {
            return updated;
        }
        PreparedBatch batch = h.prepareBatch(UPDATE);
        for (Flow f : flows) {
            bind(batch, f).add();
        }
        int[] counts = batch.execute();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0 && counts[i] != 1) {
                // a driver that does not say which rows matched cannot carry a compare-and-set: the caller's
                // transaction rolls back whole and the changes are committed one by one
                throw new IllegalStateException("the JDBC driver reported " + counts[i] + " for a batched update");
            }
            updated[i] = counts[i] == 1;
            if (!updated[i]) {
                lostRace(h, flows.get(i));
            }
        }
        return updated;
    }

    private static boolean lostRace(Handle h, Flow flow) {
        // 0 rows: a lost race, or a caller changing the vlink, which is a bug (the in-memory store says
        // so too). If the version has moved meanwhile, it is a lost race after all.
        h.createQuery("SELECT vlink_hash FROM idflow_flow WHERE flow_id = :id AND version = :version")
                .bind("id", flow.flowId())
                .bind("version", flow.version())
                .mapTo(String.class)
                .findOne()
                .filter(stored -> !stored.equals(flow.vlinkHash()))
                .ifPresent(stored -> {
                    throw new IllegalArgumentException("a flow's vlink never changes");
                });
        return false;
    }

    /**
     * Rows written before schema V3 keep their token in vlink_id (V3 stored their hashes). Each is sealed
     * and its clear token forgotten in one statement, which matches only while vlink_id still holds that
     * token: a second node doing the same at the same time changes nothing after the first. The hash is
     * written again from Java so that the row's lookup key is the engine's own SHA-256 whatever the SQL
     * dialect computed. Neither the version nor the claim is touched: no state changes, so no engine
     * compare-and-set racing with this one fails because of it.
     */
    @Override
    public int sealClearVlinks(UnaryOperator<String> seal) {
        List<String[]> clear = jdbi.withHandle(h -> h.createQuery(
                        "SELECT flow_id, vlink_id FROM idflow_flow WHERE vlink_id IS NOT NULL")
                .map((rs, ctx) -> new String[] {rs.getString("flow_id"), rs.getString("vlink_id")})
                .list());
        int sealed = 0;
        for (String[] row : clear) {
            sealed += jdbi.withHandle(h -> h.createUpdate("UPDATE idflow_flow SET vlink_sealed = :sealed, "
                            + "vlink_hash = :hash, vlink_id = NULL WHERE flow_id = :id AND vlink_id = :clear")
                    .bind("sealed", seal.apply(row[1]))
                    .bind("hash", Crypto.sha256Hex(row[1]))
                    .bind("id", row[0])
                    .bind("clear", row[1])
                    .execute());
        }
        return sealed;
    }

    /**
     * Not a state change: no version check and no bump, so a poll never makes the engine's update fail.
     * Two polls finishing out of order keep the later time: the guard makes the older one a no-op.
     */
    @Override
    public void markPolled(String flowId, Instant at) {
        jdbi.useTransaction(h -> h.createUpdate("UPDATE idflow_flow SET polled_at = :at WHERE flow_id = :id "
                        + "AND (polled_at IS NULL OR polled_at < :at)")
                .bind("at", Sql.time(at))
                .bind("id", flowId)
                .execute());
    }

    /**
     * The write-behind's flush: one JDBC batch (one round trip) in one short transaction, in flow_id order so
     * that two nodes' flushes lock rows in the same order and cannot deadlock each other. The guard skips a row
     * whose stored time is already later (another node's newer poll), so a flush never moves it backwards.
     */
    @Override
    public void markPolled(java.util.Map<String, Instant> polls) {
        if (polls.isEmpty()) {
            return;
        }
        java.util.SortedMap<String, Instant> ordered = new java.util.TreeMap<>(polls);
        jdbi.useTransaction(h -> {
            org.jdbi.v3.core.statement.PreparedBatch batch = h.prepareBatch("UPDATE idflow_flow SET polled_at = :at "
                    + "WHERE flow_id = :id AND (polled_at IS NULL OR polled_at < :at)");
            ordered.forEach((id, at) -> batch.bind("at", Sql.time(at)).bind("id", id).add());
            batch.execute();
        });
    }

    /** Every write of polled_at is a row lock and a round trip: idflow buffers them and flushes in batches. */
    @Override
    public boolean writesPollsBehind() {
        return true;
    }

    /** As {@link #markPolled}, for the person's activity. */
    @Override
    public void touchActivity(String flowId, Instant at) {
        jdbi.useTransaction(h -> h.createUpdate("UPDATE idflow_flow SET last_activity_at = :at WHERE flow_id = :id "
                        + "AND (last_activity_at IS NULL OR last_activity_at < :at)")
                .bind("at", Sql.time(at))
                .bind("id", flowId)
                .execute());
    }

    /** The claim statement on PostgreSQL (for the plan test). */
    String claimDueSqlOnPostgres() {
        return claimer.postgresSql();
    }

    /** See {@link Claimer} for how two sweepers never get the same flow. */
    @Override
    public List<Flow> claimDue(Instant now, Duration lease, int limit) {
        return claimer.claim(now, now.plus(lease), limit).stream()
                .sorted(Comparator.comparing(Flow::deadlineAt).thenComparing(Flow::flowId))
                .toList();
    }

    private static <S extends SqlStatement<S>> S bind(S statement, Flow f) {
        return statement
                .bind("flowId", f.flowId())
                .bind("consumerId", f.consumerId())
                .bind("vlinkHash", f.vlinkHash())
                .bind("sealedVlink", f.sealedVlink())
                .bind("apiVersion", f.apiVersion())
                .bind("locale", f.locale())
                .bind("personId", f.personId())
                .bind("template", Sql.json(f.template()))
                .bind("templateId", f.templateId())
                .bind("testFlow", f.testFlow())
                .bind("callbackUrl", f.callbackUrl())
                .bind("inputData", Sql.json(f.inputData()))
                .bind("initialDeviceType", f.initialDeviceType())
                .bind("devicePlatform", f.devicePlatform())
                .bind("ttl", f.ttl())
                .bind("createdAt", Sql.time(f.createdAt()))
                .bind("updatedAt", Sql.time(f.updatedAt()))
                .bind("polledAt", Sql.time(f.polledAt()))
                .bind("startedAt", Sql.time(f.startedAt()))
                .bind("currentStepId", f.currentStepId())
                .bind("currentStepStartedAt", Sql.time(f.currentStepStartedAt()))
                .bind("lastActivityAt", Sql.time(f.lastActivityAt()))
                .bind("endedAt", Sql.time(f.endedAt()))
                .bind("flowStatus", f.flowStatus().wire())
                .bind("endCause", f.endCause() == null ? null : f.endCause().wire())
                .bind("edited", f.edited())
                .bind("deadlineAt", Sql.time(f.deadlineAt()))
                .bind("version", f.version());
    }

    private FlowTemplate template(String text) {
        if (text == null) {
            return null;
        }
        return templates.get(text, t -> Sql.json(t, FlowTemplate.class)).detached();
    }

    private Flow read(ResultSet rs) throws SQLException {
        String endCause = rs.getString(END_CAUSE);
        return Flow.builder()
                .flowId(rs.getString(FLOW_ID))
                .consumerId(rs.getString(CONSUMER_ID))
                .vlinkHash(rs.getString(VLINK_HASH))
                .sealedVlink(rs.getString(VLINK_SEALED))
                .apiVersion(rs.getString(API_VERSION))
                .locale(rs.getString(LOCALE))
                .personId(rs.getString(PERSON_ID))
                .template(template(rs.getString(TEMPLATE)))
                .templateId(rs.getString(TEMPLATE_ID))
                .testFlow(rs.getBoolean(TEST_FLOW))
                .callbackUrl(rs.getString(CALLBACK_URL))
                .inputData(Sql.json(rs.getString(INPUT_DATA), FlowInputData.class))
                .initialDeviceType(rs.getString(INITIAL_DEVICE_TYPE))
                .devicePlatform(rs.getString(DEVICE_PLATFORM))
                .ttl(rs.getInt(TTL))
                .createdAt(Sql.time(rs, CREATED_AT))
                .updatedAt(Sql.time(rs, UPDATED_AT))
                .polledAt(Sql.time(rs, POLLED_AT))
                .startedAt(Sql.time(rs, STARTED_AT))
                .currentStepId(rs.getString(CURRENT_STEP_ID))
                .currentStepStartedAt(Sql.time(rs, CURRENT_STEP_STARTED_AT))
                .lastActivityAt(Sql.time(rs, LAST_ACTIVITY_AT))
                .endedAt(Sql.time(rs, ENDED_AT))
                .flowStatus(ExecutionStatus.fromWire(rs.getString(FLOW_STATUS)))
                .endCause(endCause == null ? null : EndCause.fromWire(endCause))
                .edited(rs.getBoolean(EDITED))
                .deadlineAt(Sql.time(rs, DEADLINE_AT))
                .version(rs.getLong(VERSION))
                .build();
    }
}
