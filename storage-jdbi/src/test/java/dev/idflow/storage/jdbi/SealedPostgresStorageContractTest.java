package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StorageContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Through the sealing layer (crypto-shredding, keys in idflow_person_key): the storage contract on a real PostgreSQL server (embedded, started once per JVM). */
class SealedPostgresStorageContractTest extends StorageContractTest {
    private static HikariDataSource dataSource;
    private static IdflowStorage storage;

    @BeforeAll
    static void migrateOnce() {
        dataSource = TestDatabases.postgres();
        JdbiStorage jdbi = JdbiStorage.builder(dataSource).build();
        storage = dev.idflow.core.keys.Sealing.seal(jdbi, jdbi.personKeys());
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
