package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.file;
import static dev.idflow.core.spi.StorageFixtures.flowId;
import static dev.idflow.core.spi.StorageFixtures.personId;
import static dev.idflow.core.spi.StorageFixtures.sessionId;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 96 MB liveness video through each production file store, in a JVM whose whole heap is smaller
 * than the video (Maven runs the tests tagged bounded-heap alone, with -Xmx64m: see the pom). If the
 * store, JDBI or the JDBC driver held the file whole, this would end in OutOfMemoryError; it passes
 * only if the bytes really stream, in and out. (Real liveness videos are a few tens of MB; the file
 * is this big so that it outgrows a heap in which H2, running in this same JVM, still fits.)
 *
 * <p>H2 runs from a file here: an in-memory H2 keeps its data on the Java heap by definition.
 */
@Tag("bounded-heap")
class LargeFileBoundedHeapTest {
    private static final long SIZE = 96L * 1024 * 1024;
    private static final long SEED = 20250304L;
    private static String expectedDigest;

    @BeforeAll
    static void theHeapIsSmallerThanTheFile() throws IOException {
        assertThat(Runtime.getRuntime().maxMemory())
                .as("this test proves streaming only in a heap smaller than the file (Maven gives it -Xmx64m)")
                .isLessThan(SIZE);
        expectedDigest = GeneratedContent.sha256(SIZE, SEED);
    }

    @Test
    void aLargeVideoStreamsThroughPostgres() throws IOException {
        try (HikariDataSource db = TestDatabases.postgres()) {
            roundTrip(JdbiStorage.builder(db).build().files());
        }
    }

    @Test
    void aLargeVideoStreamsThroughH2(@TempDir Path dir) throws IOException {
        try (HikariDataSource db = h2File(dir)) {
            roundTrip(JdbiStorage.builder(db).build().files());
        }
    }

    @Test
    void aLargeVideoStreamsThroughADirectory(@TempDir Path dir) throws IOException {
        try (HikariDataSource db = h2File(dir)) {
            roundTrip(JdbiStorage.builder(db).filesInDirectory(dir.resolve("files")).build().files());
        }
    }

    private static void roundTrip(FileStore files) throws IOException {
        StoredFile video = file(consumerId(), personId(), flowId(), sessionId(), "liveness_video", T0);

        StoredFile saved = files.save(video, new GeneratedContent(SIZE, SEED));

        assertThat(saved.size()).isEqualTo(SIZE);
        assertThat(files.findNewest(video.consumerId(), "liveness_video", FileQuery.session(video.sessionId(), false)))
                .contains(saved);
        try (InputStream in = files.open(video.fileId()).orElseThrow()) {
            assertThat(GeneratedContent.sha256(in)).isEqualTo(expectedDigest);
        }
    }

    /** H2 on disk with a small page cache, so the database's own memory stays small too. */
    private static HikariDataSource h2File(Path dir) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("idflow").toAbsolutePath() + ";CACHE_SIZE=2048");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }
}
