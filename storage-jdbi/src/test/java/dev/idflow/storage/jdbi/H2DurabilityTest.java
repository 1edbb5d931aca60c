package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JdbiStorage on an H2 file makes every commit written before it returns (WRITE_DELAY 0), whatever the URL said. */
class H2DurabilityTest {
    @TempDir
    Path dir;

    private HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(2);
        return new HikariDataSource(config);
    }

    @Test
    void aFileDatabaseWithH2sDefaultWriteDelayIsMadeDurableAtStart() {
        String url = "jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE";
        try (HikariDataSource pool = pool(url)) {
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).as("H2's own default").isEqualTo(500);
            JdbiStorage.builder(pool).build();
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).isZero();
        }
        // not kept in the file: a database closed and opened again without idflow is back at H2's default,
        // which is why the README (and the demo) put ;WRITE_DELAY=0 in the URL itself
        try (HikariDataSource pool = pool(url)) {
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).isEqualTo(500);
        }
    }

    @Test
    void aUrlThatSaysWriteDelayZeroIsDurableFromItsFirstConnection() {
        try (HikariDataSource pool = pool("jdbc:h2:file:" + dir.resolve("url") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0")) {
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).isZero();
            JdbiStorage.builder(pool).build();
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).isZero();
        }
    }

    @Test
    void durableCommitsOffLeavesTheDelayForBenchmarks() {
        try (HikariDataSource pool = pool("jdbc:h2:file:" + dir.resolve("bench") + ";DB_CLOSE_ON_EXIT=FALSE")) {
            JdbiStorage.builder(pool).durableCommits(false).build();
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).isEqualTo(500);
        }
    }

    @Test
    void aDatabaseInMemoryIsLeftAlone() {
        try (HikariDataSource pool = TestDatabases.h2()) {
            JdbiStorage.builder(pool).build();
            assertThat(Durability.h2WriteDelay(Jdbi.create(pool))).isEqualTo(-1);
        }
    }
}
