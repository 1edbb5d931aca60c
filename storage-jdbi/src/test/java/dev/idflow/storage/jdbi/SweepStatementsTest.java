package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.call;
import static dev.idflow.storage.jdbi.DirectCall.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sweeper ends a claimed batch in one transaction ({@code JdbiStorage.commitAll}): the statements a sweep
 * issues grow by one per swept flow (its sessions' read), not by the four of a transaction per flow (the flow's
 * compare-and-set, the event, its webhook fan-out, the commit); and a flow changed since its claim still loses
 * its compare-and-set alone, writing nothing, while the rest of the batch lands.
 */
class SweepStatementsTest {
    private static final String KEY = "sweep-statements-key-3b8d0c2e6f1a7945";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void sweepingNDueFlowsCostsOneStatementPerFlow(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            int few = sweepCounting(db, 5, "a");
            int many = sweepCounting(db, 25, "b");
            // 20 flows more: at most one statement each (the sessions' read); a transaction per flow was 4+ each
            assertThat(many - few).as("statements for 20 more swept flows (5: %d, 25: %d)", few, many)
                    .isLessThanOrEqualTo(20);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFlowChangedSinceItsClaimLosesAloneAndWritesNothing(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            SettableClock clock = SettableClock.startingNow();
            JdbiStorage storage = JdbiStorage.builder(db).build();
            try (Idflow node = node(storage, clock)) {
                node.registerConsumer("bank", "Bank");
                node.addTestKey("bank", KEY);
                for (int i = 0; i < 3; i++) {
                    startedFlow(node, "c" + i);
                }
                clock.advance(Duration.ofSeconds(11));
                Instant now = clock.instant();
                List<Flow> claimed = storage.flows().claimDue(now, Duration.ofSeconds(60), 100);
                assertThat(claimed).hasSize(3);
                // a person's commit on the second flow after the claim: its claimed copy is stale now
                Flow raced = claimed.get(1);
                assertThat(storage.commit(change(raced.toBuilder().lastActivityAt(now).build(), now))).isTrue();
                long racedVersion = storage.flows().findById(raced.flowId()).orElseThrow().version();

                int racedEvents = events(db, raced.flowId());
                int otherEvents = events(db, claimed.get(0).flowId());
                List<FlowChange> batch = new ArrayList<>();
                for (Flow f : claimed) {
                    batch.add(change(f.toBuilder().endedAt(now).endCause(EndCause.TIMEOUT).build(), now));
                }
                assertThat(storage.commitAll(batch)).containsExactly(true, false, true);

                Flow lost = storage.flows().findById(raced.flowId()).orElseThrow();
                assertThat(lost.version()).isEqualTo(racedVersion);
                assertThat(lost.endedAt()).isNull();
                assertThat(events(db, raced.flowId())).as("no event of the lost change").isEqualTo(racedEvents);
                for (Flow f : List.of(claimed.get(0), claimed.get(2))) {
                    assertThat(storage.flows().findById(f.flowId()).orElseThrow().endCause()).isEqualTo(EndCause.TIMEOUT);
                    assertThat(events(db, f.flowId())).isEqualTo(otherEvents + 1);
                }
                // the engine's sweep of the same three: the two ended stay ended, the raced one ends once
                assertThat(node.sweepOnce()).isEqualTo(1);
                assertThat(node.sweepOnce()).isZero();
            }
        }
    }

    /** Statements issued by one sweep ending {@code n} started flows whose step timed out. */
    private static int sweepCounting(DataSource db, int n, String prefix) throws Exception {
        List<String> statements = new CopyOnWriteArrayList<>();
        SettableClock clock = SettableClock.startingNow();
        try (Idflow node = node(JdbiStorage.builder(CountingDataSource.wrap(db, statements)).build(), clock)) {
            node.registerConsumer("bank-" + prefix, "Bank");
            node.addTestKey("bank-" + prefix, KEY + prefix);
            List<String> flows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                flows.add(startedFlow(node, KEY + prefix, prefix + i));
            }
            node.sweepOnce(); // nothing due yet: warms what a first sweep reads once
            clock.advance(Duration.ofSeconds(11));
            statements.clear();
            assertThat(node.sweepOnce()).isEqualTo(n);
            int count = statements.size();
            for (String flowId : flows) {
                Flow f = JdbiStorage.builder(db).build().flows().findById(flowId).orElseThrow();
                assertThat(f.endCause()).isEqualTo(EndCause.TIMEOUT);
                assertThat(events(db, flowId, "FLOW_ENDED")).isEqualTo(1);
            }
            return count;
        }
    }

    private static String startedFlow(Idflow node, String suffix) throws Exception {
        return startedFlow(node, KEY, suffix);
    }

    private static String startedFlow(Idflow node, String key, String suffix) throws Exception {
        JsonNode created = json(call(node, "POST", "/flow", key, "{\"person_id\":\"person-" + suffix + "\","
                + "\"template\":{\"pipeline\":[{\"service_name\":\"consent\",\"timeout\":10}]}}"), 201);
        String vlink = created.get("vlink").asText();
        json(call(node, "POST", "/hf/" + vlink.substring(vlink.lastIndexOf('/') + 1) + "/api/start", null, ""), 200);
        return created.get("flow_id").asText();
    }

    private static FlowChange change(Flow f, Instant now) {
        FlowEvent e = new FlowEvent("evt-" + f.flowId() + "-" + f.version(), FlowEvent.Type.FLOW_ENDED, f.consumerId(),
                f.flowId(), null, JsonNodeFactory.instance.objectNode(), now);
        return new FlowChange(f, List.of(), List.of(), List.of(e), List.of());
    }

    private static int events(DataSource db, String flowId) throws Exception {
        return events(db, flowId, null);
    }

    private static int events(DataSource db, String flowId, String type) throws Exception {
        try (Connection c = db.getConnection(); var ps = c.prepareStatement("SELECT COUNT(*) FROM idflow_event WHERE flow_id = ?"
                + (type == null ? "" : " AND event_type = ?"))) {
            ps.setString(1, flowId);
            if (type != null) {
                ps.setString(2, type);
            }
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static Idflow node(JdbiStorage storage, SettableClock clock) {
        return Idflow.builder().storage(storage).clock(clock).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).rateLimits(10_000, 10_000, 10_000, 10_000).build();
    }
}
