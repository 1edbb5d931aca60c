package dev.idflow.bench.storage;

import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.spi.FlowQuery;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.storage.jdbi.JdbiStorage;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Target: the console's flow list ({@code FlowRepository.search}, the V13 index) on 1M flows on PostgreSQL.
 * 1M flows of ten consumers (100k each) generated in SQL as ConsoleSearchPlanTest does; then, through the
 * store's {@code search} (JDBI, a pooled connection, the rows mapped to {@link Flow}s), the latency of a first
 * page, a filtered page (status fail, test false) and a deep cursor page (the page after one 80% down the
 * consumer's flows): 200 warm-up calls, then 2,000 timed calls each, median and p99.
 *
 * <p>{@code java -cp … dev.idflow.bench.storage.ConsoleListBench [flows] [calls]}
 */
public final class ConsoleListBench {
    private ConsoleListBench() {
    }

    public static void main(String[] args) throws Exception {
        int flows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        try (BenchPostgres pg = BenchPostgres.start(4)) {
            JdbiStorage storage = JdbiStorage.builder(pg.pool).build();
            Jdbi jdbi = Jdbi.create(pg.pool);
            long t0 = System.nanoTime();
            jdbi.useHandle(h -> {
                h.execute("INSERT INTO idflow_flow (flow_id, consumer_id, vlink_hash, person_id, template, test_flow, ttl, "
                        + "created_at, flow_status, end_cause, edited, version) "
                        + "SELECT 'F' || lpad(i::text, 9, '0'), 'c' || (i % 10), md5(i::text), 'p' || (i % 100000), ?, i % 3 = 0, 3600, "
                        + "timestamptz '2026-01-01' + i * interval '1 second', "
                        + "CASE i % 4 WHEN 0 THEN 'pass' WHEN 1 THEN 'fail' ELSE 'unknown' END, "
                        + "CASE WHEN i % 4 < 2 THEN 'completed' END, false, 0 FROM generate_series(1, ?) i",
                        SweeperBench.TEMPLATE, flows);
                h.execute("VACUUM ANALYZE idflow_flow");
            });
            System.out.printf("seeded %,d flows on %s in %.1f s%n", flows, pg.description, (System.nanoTime() - t0) / 1e9);
            FlowRepository repo = storage.flows();
            // 80% down c3's flows (newest first): created_at of flow i is 2026-01-01 + i s, c3 holds i ≡ 3 (mod 10)
            long deep = (long) (flows * 0.2) / 10 * 10 + 3;
            Instant deepAt = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(deep);
            FlowQuery.Position cursor = new FlowQuery.Position(deepAt, String.format("F%09d", deep));
            measure("first page of 50 (one consumer)", calls,
                    () -> repo.search(new FlowQuery("c3", null, null, null, null, null, null, null, 50)));
            measure("filtered page of 50 (status fail, live flows)", calls,
                    () -> repo.search(new FlowQuery("c3", ExecutionStatus.FAIL, null, null, null, null, false, null, 50)));
            measure("deep cursor page of 100 (80% down)", calls,
                    () -> repo.search(new FlowQuery("c3", null, null, null, null, null, null, cursor, 100)));
        }
    }

    static void measure(String what, int calls, Supplier<List<Flow>> page) {
        for (int i = 0; i < 200; i++) {
            page.get();
        }
        long[] ns = new long[calls];
        int rows = 0;
        for (int i = 0; i < calls; i++) {
            long s = System.nanoTime();
            rows = page.get().size();
            ns[i] = System.nanoTime() - s;
        }
        Arrays.sort(ns);
        System.out.printf("RESULT console list, %s: %d rows, median %.2f ms, p99 %.2f ms over %,d calls%n", what, rows,
                ns[calls / 2] / 1e6, ns[(int) (calls * 0.99)] / 1e6, calls);
    }
}
