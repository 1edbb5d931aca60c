package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StorageContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on a real PostgreSQL server (embedded, started once per JVM). */
class PostgresStorageContractTest extends StorageContractTest {
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

    /** One database for the class, emptied before every test, as the contract asks. */
    @Override
    protected IdflowStorage storage() {
        TestDatabases.empty(dataSource);
        return storage;
    }
}
