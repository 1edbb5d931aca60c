package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.LifecycleContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Retention, erasure and the audit trail on Postgres (migrated once, emptied before every test). */
class PostgresLifecycleContractTest extends LifecycleContractTest {
    private static HikariDataSource dataSource;
    private static JdbiStorage storage;

    @BeforeAll
    static void migrateOnce() {
        dataSource = TestDatabases.postgres();
        storage = JdbiStorage.builder(dataSource).build();
    }

    @AfterAll
    static void close() {
        dataSource.close();
    }

    @Override
    protected IdflowStorage storage() {
        TestDatabases.empty(dataSource);
        return storage;
    }
}
