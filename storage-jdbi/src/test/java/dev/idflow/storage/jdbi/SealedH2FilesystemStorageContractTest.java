package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StorageContractTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Through the sealing layer (crypto-shredding, keys in idflow_person_key): the storage contract on H2 with file content in a directory: the whole contract, for FilesystemFileStore too. */
class SealedH2FilesystemStorageContractTest extends StorageContractTest {
    private static HikariDataSource dataSource;
    private static Path directory;
    private static IdflowStorage storage;

    @BeforeAll
    static void migrateOnce() throws IOException {
        dataSource = TestDatabases.h2();
        directory = Files.createTempDirectory("idflow-files-");
        JdbiStorage jdbi = JdbiStorage.builder(dataSource).filesInDirectory(directory).build();
        storage = dev.idflow.core.keys.Sealing.seal(jdbi, jdbi.personKeys());
    }

    @AfterAll
    static void close() throws IOException {
        dataSource.close();
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Rows are emptied; files left on disk belong to no row and are invisible, as after a crash. */
    @Override
    protected IdflowStorage storage() {
        TestDatabases.empty(dataSource);
        return storage;
    }

    @Override
    protected java.util.Optional<Path> contentDirectory() {
        return java.util.Optional.of(directory);
    }
}
