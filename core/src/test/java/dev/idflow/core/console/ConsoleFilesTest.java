package dev.idflow.core.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The console's file lookup on a host's own store that predates {@code FileStore.findById}. */
class ConsoleFilesTest {

    /** A store with every method but the lookup by id (the SPI's default refuses it). */
    static final class OlderStore implements FileStore {
        @Override
        public StoredFile save(StoredFile file, InputStream content) {
            throw new AssertionError("not used");
        }

        @Override
        public Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query) {
            return Optional.empty();
        }

        @Override
        public Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test) {
            return Optional.empty();
        }

        @Override
        public Optional<InputStream> open(String fileId) {
            return Optional.empty();
        }

        @Override
        public void bind(Collection<String> fileIds) {
        }

        @Override
        public boolean delete(String fileId) {
            return false;
        }

        @Override
        public int purgeUnbound(Instant createdBefore, int limit) {
            return 0;
        }
    }

    @Test
    void aStoreWithoutFindByIdIsAClear501NamingWhatItLacksAndNothingIsAudited() {
        List<String> audited = new ArrayList<>();
        ConsoleFiles files = new ConsoleFiles(new OlderStore(),
                (consumer, actor, action, type, id, details) -> audited.add(action));

        assertThatThrownBy(() -> files.find(Operator.of("alice", Set.of("acme")), "01ABC-L"))
                .isInstanceOfSatisfying(ConsoleException.class, e -> {
                    assertThat(e.status()).isEqualTo(501);
                    assertThat(e.code()).isEqualTo("NOT_SUPPORTED");
                    assertThat(e.getMessage()).contains(OlderStore.class.getName()).contains("FileStore.findById");
                });
        assertThat(audited).isEmpty();
    }
}
