package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.event;
import static dev.idflow.core.spi.StorageFixtures.file;
import static dev.idflow.core.spi.StorageFixtures.inputData;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.object;
import static dev.idflow.core.spi.StorageFixtures.script;
import static dev.idflow.core.spi.StorageFixtures.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.keys.DirectoryKeyVault;
import dev.idflow.core.keys.Sealing;
import dev.idflow.core.keys.SealedStorage;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.PersonKeyVault;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasure leaves nothing readable in the database files: a person's flow, session, event, file and sandbox
 * script are stored through {@link SealedStorage} on an H2 file database (file content in a directory) and on
 * a real PostgreSQL server, the person is erased, the database checkpointed, and the raw bytes of every file
 * of the database (and of the file store) are searched for the person_id, a name in input_data, a callback
 * URL and the file's bytes. A positive control proves the search finds what is there: the consumer id, a
 * column legitimately kept plain, is found. A copy of the H2 file taken before the erasure opens nothing
 * once the key is destroyed.
 */
class CryptoShreddingTest {
    @TempDir
    Path temp;

    /** What the test stores of one person, and the strings that must not be found afterwards. */
    private record Person(String consumer, String personId, String name, String callback, byte[] content,
                          String flowId, String sessionId, String fileId) {
        List<String> secrets() {
            return List.of(personId, name, callback, new String(content, 0, 40, StandardCharsets.ISO_8859_1));
        }
    }

    private static Person person() {
        String tag = UUID.randomUUID().toString().replace("-", "");
        byte[] content = ("FILEBYTES-" + tag + "-").repeat(2000).getBytes(StandardCharsets.ISO_8859_1);
        return new Person("ctl-consumer-" + tag, "shred-person-" + tag, "Marker Name " + tag,
                "https://callback.example/" + tag, content, null, null, null);
    }

    private static Person store(IdflowStorage s, Person p) throws IOException {
        Flow flow = minimalFlow(p.consumer()).personId(p.personId()).testFlow(true).callbackUrl(p.callback())
                .inputData(inputData("{\"full_name\":\"" + p.name() + "\",\"iin\":\"880101300123\"}")).build();
        s.flows().insert(flow);
        ServiceSession session = session(p.consumer(), p.personId(), flow.flowId(), "verilive", T0)
                .withReviewReason("reviewed: " + p.name());
        ObjectNodeEvent e = new ObjectNodeEvent(event(p.consumer(), flow.flowId(), null, T0), p.personId());
        assertThat(s.commit(new FlowChange(flow, List.of(session), List.of(), List.of(e.event())))).isTrue();
        StoredFile saved = s.files().save(file(p.consumer(), p.personId(), flow.flowId(), session.sessionId(),
                "bestframe", T0), new ByteArrayInputStream(p.content()));
        assertThat(saved.size()).isEqualTo(p.content().length);
        s.files().bind(List.of(saved.fileId()));
        s.mockery().put(script(p.consumer(), p.personId(), "verilive", "pass", T0));
        // everything reads back as stored
        assertThat(s.flows().findById(flow.flowId()).orElseThrow().inputData().fullName()).isEqualTo(p.name());
        assertThat(s.flows().findById(flow.flowId()).orElseThrow().personId()).isEqualTo(p.personId());
        try (InputStream in = s.files().open(saved.fileId()).orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(p.content());
        }
        return new Person(p.consumer(), p.personId(), p.name(), p.callback(), p.content(), flow.flowId(),
                session.sessionId(), saved.fileId());
    }

    /** An event whose payload names the person, as the engine's do. */
    private record ObjectNodeEvent(FlowEvent event) {
        ObjectNodeEvent(FlowEvent base, String personId) {
            this(new FlowEvent(base.eventId(), base.type(), base.consumerId(), base.flowId(), base.sessionId(),
                    object("{\"person_id\":\"" + personId + "\",\"flow_status\":\"pass\"}"), base.createdAt()));
        }
    }

    private static void erase(IdflowStorage s, Person p) throws IOException {
        for (boolean test : new boolean[] {true, false}) {
            while (s.lifecycle().erasePerson(p.consumer(), p.personId(), test, 100, null) > 0) {
                // batch after batch
            }
        }
    }

    private static void execute(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Which of {@code needles} occur in the raw bytes of any file under {@code root}. */
    private static List<String> found(Path root, List<String> needles) throws IOException {
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException gone) {
                continue; // a file the server removed while we walked
            }
            String raw = new String(bytes, StandardCharsets.ISO_8859_1);
            for (String n : needles) {
                if (raw.contains(n) && !hits.contains(n)) {
                    hits.add(n);
                }
            }
        }
        return hits;
    }

    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    @Test
    void onAnH2FileNothingOfAnErasedPersonIsLeftAndACopyFromBeforeOpensNothing() throws Exception {
        Path db = temp.resolve("db");
        Path content = temp.resolve("files");
        PersonKeyVault vault = new DirectoryKeyVault(temp.resolve("person-keys"));
        String url = "jdbc:h2:file:" + db.resolve("idflow") + ";TRACE_LEVEL_FILE=0";
        Person p;
        Person other;
        try (HikariDataSource ds = pool(url, "sa", "")) {
            SealedStorage s = Sealing.seal(JdbiStorage.builder(ds).filesInDirectory(content).build(), vault);
            p = store(s, person());
            other = store(s, person());
            execute(ds, "CHECKPOINT SYNC");
            // sealed from the start: even now the files hold nothing of them in clear
            assertThat(found(db, p.secrets())).isEmpty();
            assertThat(found(content, p.secrets())).isEmpty();
            // the positive control: the search finds what is there in clear
            assertThat(found(db, List.of(p.consumer(), p.flowId()))).containsExactly(p.consumer(), p.flowId());
        }
        // a copy of the database as a backup would hold it, taken before the erasure
        Path copy = temp.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(db.resolve("idflow.mv.db"), copy.resolve("idflow.mv.db"));
        Path contentCopy = temp.resolve("files-copy");
        try (Stream<Path> walk = Files.walk(content)) {
            for (Path f : walk.toList()) {
                Path to = contentCopy.resolve(content.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }

        try (HikariDataSource ds = pool(url, "sa", "")) {
            SealedStorage s = Sealing.seal(JdbiStorage.builder(ds).filesInDirectory(content).build(), vault);
            erase(s, p);
            execute(ds, "CHECKPOINT SYNC");
            assertThat(s.flows().findById(p.flowId())).isEmpty();
            assertThat(found(db, p.secrets())).isEmpty();
            assertThat(found(content, p.secrets())).isEmpty();
            assertThat(found(temp.resolve("person-keys"), p.secrets())).isEmpty();
            // the other person is untouched and the control still found
            assertThat(s.flows().findById(other.flowId()).orElseThrow().inputData().fullName()).isEqualTo(other.name());
            assertThat(found(db, List.of(other.consumer()))).containsExactly(other.consumer());
        }

        // the copy: the rows are there, sealed, and their key is gone
        try (HikariDataSource ds = pool("jdbc:h2:file:" + copy.resolve("idflow") + ";TRACE_LEVEL_FILE=0", "sa", "")) {
            JdbiStorage raw = JdbiStorage.builder(ds).filesInDirectory(temp.resolve("copy-files")).build();
            Flow stored = raw.flows().findById(p.flowId()).orElseThrow();
            assertThat(stored.personId()).matches("hmac:[0-9a-f]{32}/t").doesNotContain(p.personId());
            assertThat(stored.inputData().extras()).containsOnlyKeys("$sealed");
            assertThat(stored.callbackUrl()).startsWith("sealed:").doesNotContain(p.callback());
            SealedStorage s = Sealing.seal(raw, vault);
            assertThat(s.flows().findById(p.flowId())).isEmpty();
            assertThat(s.sessions().findById(p.sessionId())).isEmpty();
            assertThat(s.mockery().find(p.consumer(), p.personId(), "verilive")).isEmpty();
            assertThat(s.flows().findById(other.flowId()).orElseThrow().personId()).isEqualTo(other.personId());
        }
        // the file store's copy of the content, as a backup of the directory holds it, does not open either
        String hash = dev.idflow.core.internal.Crypto.sha256Hex(p.fileId());
        byte[] sealedContent = Files.readAllBytes(contentCopy.resolve(hash.substring(0, 2)).resolve(hash));
        assertThat(new String(sealedContent, StandardCharsets.ISO_8859_1)).startsWith("IDFLOWS1");
        dev.idflow.core.keys.PersonKeys keys = Sealing.keys(vault, java.time.Duration.ofSeconds(60),
                java.time.Clock.systemUTC());
        assertThatThrownBy(() -> dev.idflow.core.keys.SealedStreams.opening(keys::find, p.fileId(),
                new ByteArrayInputStream(sealedContent)).readAllBytes()).isInstanceOf(IOException.class)
                .hasMessageContaining("destroyed");
    }

    @Test
    void onPostgresNothingOfAnErasedPersonIsLeftInTheDataDirectory() throws Exception {
        Path data = temp.resolve("pg-data");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true).start();
             HikariDataSource ds = pool(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres")) {
            JdbiStorage jdbi = JdbiStorage.builder(ds).build();
            SealedStorage s = Sealing.seal(jdbi, jdbi.personKeys());
            Person p = store(s, person());
            execute(ds, "CHECKPOINT");
            assertThat(found(data, p.secrets())).isEmpty();
            assertThat(found(data, List.of(p.consumer()))).containsExactly(p.consumer());
            erase(s, p);
            execute(ds, "CHECKPOINT");
            assertThat(s.flows().findById(p.flowId())).isEmpty();
            assertThat(found(data, p.secrets())).isEmpty();
            assertThat(found(data, List.of(p.consumer()))).containsExactly(p.consumer());
        }
    }
}
