package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.dueFlows;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two application nodes on one database (two pools, two {@link JdbiStorage}s): what one writes, the
 * other can neither overwrite unseen nor claim twice.
 */
class TwoNodesTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aWriteFromAStaleCopyIsRefusedInsteadOfOverwritingTheOtherNodesWrite(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db)) {
            JdbiStorage node1 = JdbiStorage.builder(db).build();
            JdbiStorage node2 = JdbiStorage.builder(db2).build();
            Flow flow = minimalFlow(consumerId()).deadlineAt(T0.plusSeconds(300)).build();
            node1.flows().insert(flow);
            // both nodes read version 0
            Flow seenByPerson = node1.flows().findById(flow.flowId()).orElseThrow();
            Flow seenBySweeper = node2.flows().findById(flow.flowId()).orElseThrow();

            // the person starts the flow on node 1; then the sweeper on node 2 times it out from its old copy
            boolean started = node1.flows().update(seenByPerson.toBuilder().startedAt(T0.plusSeconds(1))
                    .currentStepId("step-1").build());
            boolean timedOut = node2.flows().update(seenBySweeper.toBuilder().endedAt(T0.plusSeconds(2))
                    .endCause(EndCause.TIMEOUT).flowStatus(ExecutionStatus.FAIL).deadlineAt(null).build());

            assertThat(started).isTrue();
            assertThat(timedOut).as("the sweeper's stale write is detected").isFalse();
            Flow stored = node2.flows().findById(flow.flowId()).orElseThrow();
            assertThat(stored.startedAt()).as("the person's write is not lost").isEqualTo(T0.plusSeconds(1));
            assertThat(stored.endedAt()).isNull();
            assertThat(stored.version()).isEqualTo(1);
            // the sweeper reads again and decides anew from what is really there
            assertThat(node2.flows().update(stored.toBuilder().deadlineAt(T0.plusSeconds(600)).build())).isTrue();
            assertThat(node1.flows().findById(flow.flowId()).orElseThrow().version()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSignedRequestServedByOneNodeIsARepeatForTheOther(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db)) {
            JdbiStorage node1 = JdbiStorage.builder(db).build();
            JdbiStorage node2 = JdbiStorage.builder(db2).build();
            String key = dev.idflow.core.spi.StorageFixtures.sha256();
            String signature = dev.idflow.core.spi.StorageFixtures.sha256();

            assertThat(node1.signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(360))).isTrue();
            assertThat(node2.signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(360))).isFalse();

            // both at once with another request: one node wins, whichever
            String another = dev.idflow.core.spi.StorageFixtures.sha256();
            CompletableFuture<Boolean> on1 = CompletableFuture.supplyAsync(
                    () -> node1.signatures().firstUse(key, 1_700_000_001L, another, T0.plusSeconds(360)));
            CompletableFuture<Boolean> on2 = CompletableFuture.supplyAsync(
                    () -> node2.signatures().firstUse(key, 1_700_000_001L, another, T0.plusSeconds(360)));
            assertThat(List.of(on1.get(30, TimeUnit.SECONDS), on2.get(30, TimeUnit.SECONDS))).containsOnlyOnce(true);
        }
    }

    /**
     * The race at its tightest: node 2's compare-and-set arrives while node 1's is written but not yet
     * committed. The database makes node 2 wait for the row, then re-checks the version against what
     * node 1 committed, and node 2 changes nothing.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aWriteRacingAnUncommittedWriteWaitsForItAndIsThenRefused(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db)) {
            JdbiStorage node1 = JdbiStorage.builder(db).build();
            JdbiStorage node2 = JdbiStorage.builder(db2).build();
            Flow flow = minimalFlow(consumerId()).build();
            node1.flows().insert(flow);

            CompletableFuture<Boolean> node2Write;
            try (Connection node1Tx = db.getConnection()) {
                node1Tx.setAutoCommit(false);
                // node 1's compare-and-set from version 0, the same statement shape JdbiFlowRepository sends
                try (PreparedStatement cas = node1Tx.prepareStatement(
                        "UPDATE idflow_flow SET locale = 'ru', version = version + 1 WHERE flow_id = ? AND version = 0")) {
                    cas.setString(1, flow.flowId());
                    assertThat(cas.executeUpdate()).isEqualTo(1);
                }
                node2Write = CompletableFuture.supplyAsync(() -> node2.flows().update(flow.toBuilder().locale("kk").build()));
                Thread.sleep(300);
                assertThat(node2Write).as("node 2 waits on the row node 1 holds").isNotDone();
                node1Tx.commit();
            }

            assertThat(node2Write.get(10, TimeUnit.SECONDS)).isFalse();
            Flow stored = node1.flows().findById(flow.flowId()).orElseThrow();
            assertThat(stored.locale()).isEqualTo("ru");
            assertThat(stored.version()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoNodesSweepingTogetherNeverClaimTheSameFlow(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db)) {
            List<JdbiStorage> nodes = List.of(JdbiStorage.builder(db).build(), JdbiStorage.builder(db2).build());
            List<Flow> due = dueFlows(consumerId(), 600);
            due.forEach(nodes.get(0).flows()::insert);
            Instant now = T0.plusSeconds(10);

            // each node sweeps until a sweep finds nothing, twice in a row (a short batch is normal on
            // H2 while the other node's claim is in flight)
            List<List<String>> byNode = MigrationTest.concurrently(2, i -> {
                List<String> mine = new ArrayList<>();
                int empty = 0;
                while (empty < 2) {
                    List<Flow> batch = nodes.get(i).flows().claimDue(now, Duration.ofMinutes(5), 40);
                    batch.forEach(f -> mine.add(f.flowId()));
                    empty = batch.isEmpty() ? empty + 1 : 0;
                }
                return mine;
            });

            List<String> all = new ArrayList<>(byNode.get(0));
            all.addAll(byNode.get(1));
            assertThat(all).doesNotHaveDuplicates();
            assertThat(all).containsExactlyInAnyOrderElementsOf(due.stream().map(Flow::flowId).toList());
        }
    }
}
