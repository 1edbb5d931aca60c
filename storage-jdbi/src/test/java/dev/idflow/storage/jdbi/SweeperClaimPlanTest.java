package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sweeper's claim on PostgreSQL with 100k flows, nearly all ended and a few hundred due: its plan reads the
 * partial index {@code idflow_flow_due_ix} (live flows only, in deadline order) and stops after a batch; it
 * never scans the table. The plan, not a time, is checked (no timed tests; SweeperBench times 1M flows).
 */
class SweeperClaimPlanTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static HikariDataSource dataSource;
    private static JdbiFlowRepository flows;
    private static Jdbi jdbi;

    @BeforeAll
    static void manyFlows() {
        dataSource = TestDatabases.postgres();
        JdbiStorage storage = JdbiStorage.builder(dataSource).build();
        flows = (JdbiFlowRepository) storage.flows();
        jdbi = Jdbi.create(dataSource);
        jdbi.useHandle(h -> {
            // 300 due (deadline passed), 2,000 live not due yet, the rest ended (no deadline)
            h.execute("INSERT INTO idflow_flow (flow_id, consumer_id, vlink_hash, person_id, template, test_flow, ttl, "
                    + "created_at, ended_at, flow_status, end_cause, edited, deadline_at, version) "
                    + "SELECT 'F' || lpad(i::text, 9, '0'), 'c' || (i % 10), md5(i::text), 'p' || i, '{}', false, 3600, "
                    + "timestamptz '2026-01-01' + i * interval '1 minute', "
                    + "CASE WHEN i > 2300 THEN timestamptz '2026-01-01' + i * interval '1 minute' END, "
                    + "CASE WHEN i > 2300 THEN 'pass' ELSE 'unknown' END, CASE WHEN i > 2300 THEN 'completed' END, false, "
                    + "CASE WHEN i <= 300 THEN timestamptz '2026-06-01 11:00:00+00' "
                    + "WHEN i <= 2300 THEN timestamptz '2026-06-01 13:00:00+00' END, 0 "
                    + "FROM generate_series(1, 100000) i");
            h.execute("ANALYZE idflow_flow");
        });
    }

    @AfterAll
    static void close() {
        dataSource.close();
    }

    @Test
    void theClaimReadsTheDueIndexNotTheTable() {
        String plan = jdbi.withHandle(h -> String.join("\n", h.createQuery("EXPLAIN " + flows.claimDueSqlOnPostgres())
                .bind("now", Sql.time(NOW)).bind("until", Sql.time(NOW.plusSeconds(60))).bind("limit", 100)
                .mapTo(String.class).list()));
        assertThat(plan).contains("idflow_flow_due_ix").contains("LockRows").contains("Limit");
        // the UPDATE finds each picked row by its key; nothing reads idflow_flow whole
        assertThat(plan).doesNotContain("Seq Scan on idflow_flow").doesNotContain("Sort");
        // and the plan does what it says: 300 due, three batches, none twice
        assertThat(flows.claimDue(NOW, Duration.ofSeconds(60), 100)).hasSize(100);
        assertThat(flows.claimDue(NOW, Duration.ofSeconds(60), 250)).hasSize(200);
        assertThat(flows.claimDue(NOW, Duration.ofSeconds(60), 100)).isEmpty();
    }
}
