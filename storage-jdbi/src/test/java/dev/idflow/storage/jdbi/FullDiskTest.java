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
import dev.idflow.core.spi.FileStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filesystem file store on a full disk: a 1 MiB tmpfs this test mounts (as root: CI runs as root;
 * elsewhere it is skipped, and under CI=true it fails rather than skip). A file that does not fit is
 * refused with an error naming the store and saying nothing was stored; no row names it, no partial
 * upload stays, the files stored before read back whole, and once space is free again files are stored.
 */
class FullDiskTest {
    @TempDir
    Path dir;
    private Path disk;
    private boolean mounted;
    private HikariDataSource db;
    private FileStore files;

    @BeforeEach
    void mount() throws Exception {
        disk = Files.createDirectory(dir.resolve("disk"));
        String why = null;
        if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
            why = "mounting a tmpfs needs Linux";
        } else {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", disk.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() == 0) {
                mounted = true;
            } else {
                why = "could not mount a tmpfs (needs root): " + out.trim();
            }
        }
        if (why != null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("FullDiskTest must run under CI=true: " + why);
            }
            Assumptions.abort(why);
        }
        db = TestDatabases.h2();
        files = JdbiStorage.builder(db).filesInDirectory(disk.resolve("files")).build().files();
    }

    @AfterEach
    void unmount() throws Exception {
        if (db != null) {
            db.close();
        }
        if (mounted) {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aFileThatDoesNotFitIsRefusedClearlyAndNothingIsCorrupted() throws Exception {
        StoredFile first = file(consumerId(), personId(), null, null, "bestframe", T0);
        byte[] firstContent = randomBytes(300 * 1024);
        files.save(first, new ByteArrayInputStream(firstContent));

        StoredFile big = file(consumerId(), personId(), null, null, "video", T0);
        assertThatThrownBy(() -> files.save(big, new ByteArrayInputStream(randomBytes(2 * 1024 * 1024))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("file store " + disk.resolve("files"))
                .hasMessageContaining("could not write file " + big.fileId())
                .hasMessageContaining("No space left on device")
                .hasMessageContaining("nothing was stored");

        assertThat(files.open(big.fileId())).as("no row names the refused file").isEmpty();
        try (Stream<Path> partial = Files.list(disk.resolve("files").resolve(".partial"))) {
            assertThat(partial.toList()).as("no partial upload left behind").isEmpty();
        }
        try (InputStream in = files.open(first.fileId()).orElseThrow()) {
            assertThat(in.readAllBytes()).as("the file stored before reads back whole").isEqualTo(firstContent);
        }

        // the space the refused upload took is free again: a file that fits is stored
        StoredFile after = file(consumerId(), personId(), null, null, "bestframe", T0);
        byte[] afterContent = randomBytes(200 * 1024);
        files.save(after, new ByteArrayInputStream(afterContent));
        try (InputStream in = files.open(after.fileId()).orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(afterContent);
        }
    }
}
