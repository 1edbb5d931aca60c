package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The purge's and the erasure's queries are served by their indexes on PostgreSQL (the production database),
 * with a table holding far more than what is due: their cost follows what is due, not the table's size.
 * The plans are PostgreSQL's own (EXPLAIN), read after ANALYZE.
 */
class PurgePlanTest {

    @Test
    void eachLifecycleQueryUsesItsIndex() throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(Kind.POSTGRESQL)) {
            JdbiStorage.builder(db).build();
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                // 200 consumers x 100 flows and files; half the flows ended, a tenth of the files biometric
                s.execute("INSERT INTO idflow_flow (flow_id, consumer_id, vlink_hash, person_id, template, test_flow, ttl, "
                        + "created_at, ended_at, flow_status, edited, version) SELECT 'f' || g, 'c' || (g % 200), 'h' || g, "
                        + "'p' || (g % 5000), '{}', g % 2 = 0, 3600, now() - (g || ' seconds')::interval, "
                        + "CASE WHEN g % 2 = 0 THEN now() - (g || ' seconds')::interval END, 'pass', false, 0 "
                        + "FROM generate_series(1, 20000) g");
                s.execute("INSERT INTO idflow_file (file_id, consumer_id, person_id, flow_id, label, content_type, size_bytes, "
                        + "created_at, test_file, bound, biometric) SELECT 'x' || g, 'c' || (g % 200), 'p' || (g % 5000), "
                        + "'f' || g, CASE WHEN g % 10 = 0 THEN 'bestframe' ELSE 'client_card' END, 'image/jpeg', 10, "
                        + "now() - (g || ' seconds')::interval, false, true, g % 10 = 0 FROM generate_series(1, 20000) g");
                s.execute("ANALYZE idflow_flow");
                s.execute("ANALYZE idflow_file");

                assertThat(plan(s, "SELECT flow_id FROM idflow_flow WHERE consumer_id = 'c7' AND ended_at IS NOT NULL "
                        + "AND ended_at < now() - interval '1 hour' ORDER BY ended_at, flow_id LIMIT 100"))
                        .contains("idflow_flow_ended_ix");
                assertThat(plan(s, "SELECT file_id FROM idflow_file WHERE consumer_id = 'c7' AND biometric = true "
                        + "AND created_at < now() - interval '1 hour' ORDER BY created_at, file_id LIMIT 100"))
                        .contains("idflow_file_retention_ix");
                assertThat(plan(s, "SELECT flow_id FROM idflow_flow WHERE consumer_id = 'c7' AND person_id = 'p7' "
                        + "AND test_flow = false ORDER BY flow_id LIMIT 100"))
                        .contains("idflow_flow_person_ix");
                assertThat(plan(s, "SELECT file_id FROM idflow_file WHERE consumer_id = 'c7' AND person_id = 'p7' "
                        + "AND test_file = false ORDER BY file_id LIMIT 100"))
                        .contains("idflow_file_person_ix");
            }
        }
    }

    private static String plan(Statement s, String sql) throws Exception {
        List<String> lines = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        }
        return String.join("\n", lines);
    }
}
