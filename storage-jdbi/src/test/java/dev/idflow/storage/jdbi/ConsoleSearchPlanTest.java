package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.FlowQuery;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's list on PostgreSQL with 1M flows (ten consumers): its plan reads the V13 index in order and
 * stops after a page, first page and later ones, with a filter too; a person's flows use the person index.
 * The plan, not a time, is what is checked (no timed tests); the rows are generated in SQL.
 */
class ConsoleSearchPlanTest {
    private static HikariDataSource dataSource;
    private static JdbiFlowRepository flows;
    private static Jdbi jdbi;

    @BeforeAll
    static void millionFlows() {
        dataSource = TestDatabases.postgres();
        JdbiStorage storage = JdbiStorage.builder(dataSource).build();
        flows = (JdbiFlowRepository) storage.flows();
        jdbi = Jdbi.create(dataSource);
        jdbi.useHandle(h -> {
            h.execute("INSERT INTO idflow_flow (flow_id, consumer_id, vlink_hash, person_id, template, test_flow, ttl, "
                    + "created_at, flow_status, end_cause, edited, version) "
                    + "SELECT 'F' || lpad(i::text, 9, '0'), 'c' || (i % 10), md5(i::text), 'p' || (i % 100000), '{}', i % 3 = 0, 3600, "
                    + "timestamptz '2026-01-01' + i * interval '1 second', "
                    + "CASE i % 4 WHEN 0 THEN 'pass' WHEN 1 THEN 'fail' ELSE 'unknown' END, "
                    + "CASE WHEN i % 4 < 2 THEN 'completed' END, false, 0 FROM generate_series(1, 1000000) i");
            h.execute("ANALYZE idflow_flow");
        });
    }

    @AfterAll
    static void close() {
        dataSource.close();
    }

    private static String plan(FlowQuery q) {
        return jdbi.withHandle(h -> String.join("\n",
                JdbiFlowRepository.bindSearch(h.createQuery("EXPLAIN " + flows.searchSql(q)), q).mapTo(String.class).list()));
    }

    @Test
    void aPageOfOneConsumersFlowsReadsTheConsoleIndexInOrder() {
        FlowQuery first = new FlowQuery("c3", null, null, null, null, null, null, null, 50);
        String plan = plan(first);
        assertThat(plan).contains("Index Scan using idflow_flow_console_ix").contains("Limit").doesNotContain("Sort");
        assertThat(flows.search(first)).hasSize(50);
    }

    @Test
    void laterPagesAndFiltersStillReadTheIndex() {
        FlowQuery later = new FlowQuery("c3", ExecutionStatus.FAIL, null, null, null,
                null, false, new FlowQuery.Position(Instant.parse("2026-01-09T00:00:00Z"), "F000600000"), 100);
        String plan = plan(later);
        assertThat(plan).contains("idflow_flow_console_ix").doesNotContain("Seq Scan").doesNotContain("Sort ");
        // the cursor bounds the index range (a deep page starts at its cursor, not at the newest flow)
        assertThat(plan.lines().filter(l -> l.contains("Index Cond")).findFirst().orElse(""))
                .contains("created_at <=");
        assertThat(flows.search(later)).hasSize(100);
        // for the record (not asserted: no timed tests): what the database says a page costs
        System.out.println("console list, a later filtered page of 100 on 1M flows:\n" + jdbi.withHandle(h -> String.join("\n",
                JdbiFlowRepository.bindSearch(h.createQuery("EXPLAIN (ANALYZE, BUFFERS) " + flows.searchSql(later)), later)
                        .mapTo(String.class).list())));
    }

    @Test
    void aPersonsFlowsUseThePersonIndex() {
        FlowQuery person = new FlowQuery("c3", null, null, null, null, List.of("p3", "p13"), null, null, 100);
        assertThat(plan(person)).doesNotContain("Seq Scan");
        assertThat(flows.search(person)).isNotEmpty().allMatch(f -> f.personId().equals("p3") || f.personId().equals("p13"));
    }
}
