package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.keys.PersonKeyVaultContractTest;
import dev.idflow.core.spi.PersonKeyVault;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The vault contract on idflow_person_key, on H2 and on PostgreSQL; a second node is another pool and store. */
class JdbiPersonKeyVaultContractTest {
    abstract static class OnDatabase extends PersonKeyVaultContractTest {
        private final List<HikariDataSource> pools = new ArrayList<>();
        private HikariDataSource first;

        abstract HikariDataSource fresh();

        @Override
        protected PersonKeyVault vault() {
            first = fresh();
            pools.add(first);
            return JdbiStorage.builder(first).build().personKeys();
        }

        @Override
        protected PersonKeyVault secondNode(PersonKeyVault vault) {
            HikariDataSource second = TestDatabases.secondNode(first);
            pools.add(second);
            return JdbiStorage.builder(second).build().personKeys();
        }

        @AfterEach
        void close() {
            pools.forEach(HikariDataSource::close);
            pools.clear();
        }
    }

    @Nested
    class H2 extends OnDatabase {
        @Override
        HikariDataSource fresh() {
            return TestDatabases.h2();
        }
    }

    @Nested
    class Postgres extends OnDatabase {
        @Override
        HikariDataSource fresh() {
            return TestDatabases.postgres();
        }
    }
}
