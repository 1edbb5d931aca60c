package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.consumer;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.FlowRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What durable commits cost on H2 (docs/PERFORMANCE.md, "Durability"): flow inserts on an H2 file with
 * WRITE_DELAY 0 against H2's default 500 ms, one writer and four, in one run. A measurement, not a
 * check of speed: it asserts only that every insert landed. In the faults profile only:
 * {@code mvn -B verify -pl storage-jdbi -am -Dcodegen.skip=true -Pfaults -Dtest=DurabilityCostTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("faults")
class DurabilityCostTest {
    private static final int INSERTS = 3000;

    @TempDir
    Path dir;

    @Test
    void flowInsertsPerSecondWithAndWithoutWriteDelay() throws Exception {
        StringBuilder report = new StringBuilder("DurabilityCostTest (" + INSERTS + " flow inserts each):\n");
        for (int round = 0; round < 2; round++) { // the first round warms the JIT; the second is reported
            report.setLength(report.indexOf("\n") + 1);
            for (boolean durable : new boolean[] {false, true}) {
                for (int threads : new int[] {1, 4}) {
                    double perSecond = measure(durable, threads, round + "-" + durable + "-" + threads);
                    report.append(String.format("  %-26s %d writer(s): %,8.0f inserts/s%n",
                            durable ? "WRITE_DELAY 0 (durable)" : "WRITE_DELAY 500 (default)", threads, perSecond));
                }
            }
        }
        System.out.print(report);
    }

    private double measure(boolean durable, int threads, String name) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve(name) + ";DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(threads + 1);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            JdbiStorage storage = JdbiStorage.builder(pool).durableCommits(durable).build();
            String consumerId = consumerId();
            storage.apiKeys().saveConsumer(consumer(consumerId));
            FlowRepository flows = storage.flows();
            ExecutorService pool2 = Executors.newFixedThreadPool(threads);
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool2.submit(() -> {
                    for (int i = 0; i < INSERTS / threads; i++) {
                        flows.insert(minimalFlow(consumerId).build());
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool2.shutdown();
            assertThat(Durability.h2WriteDelay(org.jdbi.v3.core.Jdbi.create(pool))).isEqualTo(durable ? 0 : 500);
            return (INSERTS / threads * threads) / seconds;
        }
    }
}
