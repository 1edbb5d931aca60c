package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StorageContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on H2, in memory, file content in the database. */
class H2StorageContractTest extends StorageContractTest {
    private static HikariDataSource dataSource;
    private static JdbiStorage storage;

    @BeforeAll
    static void migrateOnce() {
        dataSource = TestDatabases.h2();
        storage = JdbiStorage.builder(dataSource).build();
    }

    @AfterAll
    static void close() {
        dataSource.close();
    }

    /** One schema for the class, emptied before every test, as the contract asks. */
    @Override
    protected IdflowStorage storage() {
        TestDatabases.empty(dataSource);
        return storage;
    }
}
