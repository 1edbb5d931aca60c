package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.file;
import static dev.idflow.core.spi.StorageFixtures.personId;
import static dev.idflow.core.spi.StorageFixtures.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the filesystem file store does on disk, beyond the contract every file store passes. */
class FilesystemFileStoreTest {
    @TempDir
    Path directory;
    private HikariDataSource db;
    private FileStore files;

    @BeforeEach
    void start() {
        db = TestDatabases.h2();
        files = JdbiStorage.builder(db).filesInDirectory(directory).build().files();
    }

    @AfterEach
    void stop() {
        db.close();
    }

    @Test
    void filesAre0600AndTheDirectoriesTheStoreMakes0700() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                directory.getFileSystem().supportedFileAttributeViews().contains("posix"), "a POSIX file system");
        Path media = directory.resolve("media").resolve("idflow");
        FilesystemFileStore store = (FilesystemFileStore) JdbiStorage.builder(db).filesInDirectory(media).build().files();
        StoredFile file = file(consumerId(), personId(), null, null, "bestframe", T0);

        store.save(file, new ByteArrayInputStream(randomBytes(64)));

        Path content = store.pathOf(file.fileId());
        assertThat(mode(content)).isEqualTo("rw-------");
        for (Path dir : List.of(content.getParent(), media.resolve(".partial"), media, media.getParent())) {
            assertThat(mode(dir)).as(dir.toString()).isEqualTo("rwx------");
        }
    }

    private static String mode(Path path) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void noFileIdCanNameAPathOutsideTheDirectory() throws IOException {
        StoredFile hostile = new StoredFile("../../etc/idflow-escape", consumerId(), personId(), null, null,
                "bestframe", "image/jpeg", "x.jpg", 0, T0, false, null, true);
        byte[] content = randomBytes(64);

        files.save(hostile, new ByteArrayInputStream(content));

        assertThat(regularFiles()).singleElement()
                .satisfies(p -> assertThat(p.normalize()).startsWith(directory))
                .satisfies(p -> assertThat(p.getFileName().toString()).matches("[0-9a-f]{64}"));
        assertThat(Files.exists(directory.resolve("../../etc/idflow-escape").normalize())).isFalse();
        try (InputStream in = files.open(hostile.fileId()).orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void aSecondSaveOfOneIdLeavesTheFirstContentOnDiskAndNoPartialFile() throws IOException {
        StoredFile first = file(consumerId(), personId(), null, null, "bestframe", T0);
        byte[] content = randomBytes(100);
        files.save(first, new ByteArrayInputStream(content));

        assertThatThrownBy(() -> files.save(first, new ByteArrayInputStream(randomBytes(50))))
                .isInstanceOf(DuplicateKeyException.class);

        assertThat(regularFiles()).hasSize(1);
        try (InputStream in = files.open(first.fileId()).orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void anUploadThatBreaksOffStoresNothing() throws IOException {
        StoredFile file = file(consumerId(), personId(), null, null, "liveness_video", T0);
        InputStream breaksOff = new SequenceInputStream(new ByteArrayInputStream(randomBytes(10_000)), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("client went away");
            }
        });

        assertThatThrownBy(() -> files.save(file, breaksOff)).isInstanceOf(IOException.class).hasMessage("client went away");

        assertThat(regularFiles()).isEmpty();
        assertThat(files.findNewest(file.consumerId(), "liveness_video", FileQuery.person(file.personId(), false))).isEmpty();
    }

    @Test
    void aNodeStartingRemovesUploadsAbandonedADayAgoButNotOnesInProgress() throws IOException {
        Path partial = directory.resolve(".partial");
        Path abandoned = Files.write(partial.resolve("upload-1.part"), randomBytes(10));
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path inProgress = Files.write(partial.resolve("upload-2.part"), randomBytes(10));

        JdbiStorage.builder(db).filesInDirectory(directory).build();

        assertThat(abandoned).doesNotExist();
        assertThat(inProgress).exists();
    }

    @Test
    void contentMissingFromDiskIsReportedNotTakenForAnEmptyFile() throws IOException {
        StoredFile file = file(consumerId(), personId(), null, null, "bestframe", T0);
        files.save(file, new ByteArrayInputStream(randomBytes(10)));
        for (Path p : regularFiles()) {
            Files.delete(p);
        }

        assertThatThrownBy(() -> files.open(file.fileId()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is missing");
    }

    @Test
    void twoNodesSharingTheDirectoryReadEachOthersFiles() throws IOException {
        try (HikariDataSource db2 = TestDatabases.secondNode(db)) {
            FileStore node2 = JdbiStorage.builder(db2).filesInDirectory(directory).build().files();
            StoredFile file = file(consumerId(), personId(), null, null, "bestframe", T0);
            byte[] content = randomBytes(5000);

            files.save(file, new ByteArrayInputStream(content));

            try (InputStream in = node2.open(file.fileId()).orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void theDatabaseHoldsOnlyMetadata() throws IOException {
        files.save(file(consumerId(), personId(), null, null, "bestframe", T0), new ByteArrayInputStream(randomBytes(1000)));

        int chunks = Jdbi.create(db).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM idflow_file_chunk").mapTo(Integer.class).one());
        int rows = Jdbi.create(db).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM idflow_file").mapTo(Integer.class).one());
        assertThat(chunks).isZero();
        assertThat(rows).isEqualTo(1);
    }

    /** Every file under the directory except uploads in progress. */
    private List<Path> regularFiles() throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(Files::isRegularFile)
                    .filter(p -> !p.getParent().getFileName().toString().equals(".partial"))
                    .toList();
        }
    }
}
