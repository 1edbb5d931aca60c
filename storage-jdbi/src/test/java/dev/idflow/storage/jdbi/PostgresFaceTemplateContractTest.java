package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.FaceTemplateContractTest;
import dev.idflow.core.spi.IdflowStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The face template contract on Postgres (migrated once, emptied before every test). */
class PostgresFaceTemplateContractTest extends FaceTemplateContractTest {
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
