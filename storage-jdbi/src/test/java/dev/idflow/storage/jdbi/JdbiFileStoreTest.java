package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.file;
import static dev.idflow.core.spi.StorageFixtures.personId;
import static dev.idflow.core.spi.StorageFixtures.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** What the database file store does beyond the contract: chunked streaming, as a DBA and a pool see it. */
class JdbiFileStoreTest {

    @Test
    void readingAFileHoldsNoConnectionBetweenChunks() throws IOException {
        // a pool of one: if an open download kept its connection, the next call would wait forever
        String url = "jdbc:h2:mem:idflow-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (HikariDataSource migrate = pool(url, 2); HikariDataSource db = pool(url, 1)) {
            // the migration needs two connections (lock and scripts); the store itself needs one at a time
            JdbiStorage.builder(migrate).build();
            JdbiStorage storage = JdbiStorage.builder(db).migrations(MigrationMode.SKIP).build();
            StoredFile video = file(consumerId(), personId(), null, null, "liveness_video", T0);
            byte[] content = randomBytes(3 * JdbiFileStore.CHUNK_SIZE + 123);
            storage.files().save(video, new ByteArrayInputStream(content));

            try (InputStream download = storage.files().open(video.fileId()).orElseThrow()) {
                byte[] first = download.readNBytes(1000);
                // a slow client: meanwhile the node serves other requests from the same pool
                assertThat(storage.files().findNewest(video.consumerId(), "liveness_video",
                        FileQuery.person(video.personId(), false))).isPresent();
                byte[] rest = download.readAllBytes();

                assertThat(first).isEqualTo(Arrays.copyOf(content, 1000));
                assertThat(rest).isEqualTo(Arrays.copyOfRange(content, 1000, content.length));
            }
        }
    }

    @Test
    void aFileDeletedWhileBeingReadEndsInAnErrorNotInAShortFile() throws IOException {
        try (HikariDataSource db = TestDatabases.h2()) {
            JdbiStorage storage = JdbiStorage.builder(db).build();
            StoredFile video = file(consumerId(), personId(), null, null, "liveness_video", T0);
            storage.files().save(video, new ByteArrayInputStream(randomBytes(2 * JdbiFileStore.CHUNK_SIZE + 1)));

            try (InputStream download = storage.files().open(video.fileId()).orElseThrow()) {
                download.readNBytes(10);
                // a DBA purging old media; the content goes with the row (ON DELETE CASCADE)
                Jdbi.create(db).useHandle(h -> h.execute("DELETE FROM idflow_file WHERE file_id = ?", video.fileId()));

                assertThatThrownBy(download::readAllBytes)
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("deleted while being read");
            }
        }
    }

    @Test
    void anUploadThatBreaksOffStoresNothing() throws IOException {
        try (HikariDataSource db = TestDatabases.h2()) {
            JdbiStorage storage = JdbiStorage.builder(db).build();
            StoredFile video = file(consumerId(), personId(), null, null, "liveness_video", T0);
            InputStream breaksOff = new SequenceInputStream(
                    new ByteArrayInputStream(randomBytes(JdbiFileStore.CHUNK_SIZE + 5)), new InputStream() {
                        @Override
                        public int read() throws IOException {
                            throw new IOException("client went away");
                        }
                    });

            assertThatThrownBy(() -> storage.files().save(video, breaksOff)).isInstanceOf(IOException.class);

            assertThat(storage.files().open(video.fileId())).isEmpty();
            int chunks = Jdbi.create(db).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM idflow_file_chunk")
                    .mapTo(Integer.class).one());
            assertThat(chunks).isZero();
        }
    }

    private static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(2000);
        return new HikariDataSource(config);
    }
}
