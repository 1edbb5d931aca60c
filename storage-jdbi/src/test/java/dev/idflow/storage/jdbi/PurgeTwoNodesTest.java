package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.personId;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.engine.DataKeeper;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two nodes on one database run the retention purge and an erasure at the same time: each consumer's purge
 * is claimed by one of them, everything due goes once, nothing fails, and nothing not due is touched.
 */
class PurgeTwoNodesTest {
    /** The server pepper both nodes share (the audit names persons by a digest under it). */
    private static final byte[] PEPPER = new byte[32];


    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoNodesPurgingAtOnceDeleteEachDueFlowOnceAndNothingElse(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db)) {
            JdbiStorage node1 = JdbiStorage.builder(db).build();
            JdbiStorage node2 = JdbiStorage.builder(db2).build();
            String consumer = consumerId();
            node1.lifecycle().setRetention(new RetentionPolicy(consumer, null, null, Duration.ofDays(1)));
            List<String> due = new ArrayList<>();
            for (int i = 0; i < 230; i++) {
                Flow f = minimalFlow(consumer).endedAt(T0.plusMillis(i)).flowStatus(ExecutionStatus.PASS).build();
                node1.flows().insert(f);
                due.add(f.flowId());
            }
            Flow recent = minimalFlow(consumer).endedAt(T0.plus(Duration.ofDays(2))).flowStatus(ExecutionStatus.PASS).build();
            Flow running = minimalFlow(consumer).build();
            node1.flows().insert(recent);
            node1.flows().insert(running);
            SettableClock clock = new SettableClock(T0.plus(Duration.ofDays(1)).plusSeconds(1));
            DataKeeper keeper1 = new DataKeeper(node1, clock::instant, new Ids(new SecureRandom(), clock), PEPPER);
            DataKeeper keeper2 = new DataKeeper(node2, clock::instant, new Ids(new SecureRandom(), clock), PEPPER);

            CompletableFuture<Integer> a = CompletableFuture.supplyAsync(keeper1::purgeDue);
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(keeper2::purgeDue);
            int total = a.get() + b.get();
            // a node that found the consumer claimed did nothing; one more run finishes what a short batch left
            total += keeper1.purgeDue() + keeper2.purgeDue();

            assertThat(total).isEqualTo(due.size());
            for (String id : due) {
                assertThat(node2.flows().findById(id)).isEmpty();
            }
            assertThat(node2.flows().findById(recent.flowId())).isPresent();
            assertThat(node2.flows().findById(running.flowId())).isPresent();
            assertThat(keeper1.purgeDue() + keeper2.purgeDue()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoNodesErasingOnePersonAtOnceBothFinishAndLeaveNothing(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db)) {
            JdbiStorage node1 = JdbiStorage.builder(db).build();
            JdbiStorage node2 = JdbiStorage.builder(db2).build();
            String consumer = consumerId();
            String person = personId();
            List<String> flows = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                Flow f = minimalFlow(consumer).personId(person).build();
                node1.flows().insert(f);
                flows.add(f.flowId());
            }
            Flow other = minimalFlow(consumer).personId(personId()).build();
            node1.flows().insert(other);
            SettableClock clock = new SettableClock(T0);
            DataKeeper keeper1 = new DataKeeper(node1, clock::instant, new Ids(new SecureRandom(), clock), PEPPER);
            DataKeeper keeper2 = new DataKeeper(node2, clock::instant, new Ids(new SecureRandom(), clock), PEPPER);

            CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> keeper1.erasePerson(consumer, person, false, "a"));
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> keeper2.erasePerson(consumer, person, false, "b"));
            assertThat(a.get() + b.get()).isEqualTo(flows.size());
            for (String id : flows) {
                assertThat(node1.flows().findById(id)).isEmpty();
            }
            assertThat(node1.flows().findById(other.flowId())).isPresent();
            assertThat(node1.audit().list(consumer, T0, T0.plusSeconds(1), null, 10))
                    .extracting(r -> r.actor()).containsExactlyInAnyOrder("a", "b");
        }
    }
}
