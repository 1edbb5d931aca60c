package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The claim of due webhook deliveries costs what is due: on PostgreSQL, with many delivered and dead
 * rows and a few pending ones, the claim's inner query reads the partial index of pending rows.
 */
class WebhookClaimPlanTest {

    @Test
    void theClaimReadsThePartialIndexOfPendingDeliveries() {
        try (HikariDataSource db = TestDatabases.fresh(Kind.POSTGRESQL)) {
            JdbiStorage.builder(db).build();
            Jdbi jdbi = Jdbi.create(db);
            jdbi.useHandle(h -> {
                h.execute("INSERT INTO idflow_webhook_delivery (delivery_id, event_id, endpoint_id, consumer_id, state, "
                        + "attempts, created_at, next_attempt_at, delivered_at) SELECT 'wh:' || g, 'e' || g, 'wh', 'bank', "
                        + "CASE WHEN g % 1000 = 0 THEN 'PENDING' WHEN g % 7 = 0 THEN 'DEAD' ELSE 'DELIVERED' END, 1, "
                        + "now() - interval '1 day', CASE WHEN g % 1000 = 0 THEN now() - interval '1 minute' END, "
                        + "now() FROM generate_series(1, 50000) g");
                h.execute("ANALYZE idflow_webhook_delivery");
                List<String> plan = h.createQuery("EXPLAIN SELECT delivery_id FROM idflow_webhook_delivery WHERE "
                                + "state = 'PENDING' AND next_attempt_at <= now() AND (claimed_until IS NULL OR "
                                + "claimed_until <= now()) ORDER BY next_attempt_at, delivery_id LIMIT 16 FOR UPDATE SKIP LOCKED")
                        .mapTo(String.class).list();
                System.out.println(String.join("\n", plan));
                assertThat(String.join("\n", plan)).contains("idflow_webhook_delivery_due").doesNotContain("Seq Scan");
            });
        }
    }
}
