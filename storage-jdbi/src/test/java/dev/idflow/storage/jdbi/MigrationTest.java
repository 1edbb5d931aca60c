package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** idflow's own migrator, on H2 and on a real PostgreSQL: once per database, under a lock, checkable. */
class MigrationTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoNodesStartingTogetherMigrateOneAfterTheOtherAndExactlyOnce(Kind kind) throws Exception {
        try (HikariDataSource node1 = TestDatabases.fresh(kind); HikariDataSource node2 = TestDatabases.secondNode(node1)) {
            // whoever takes the lock first keeps it 500 ms, so the other surely arrives while it migrates
            List<Migrator> nodes = List.of(migrator(node1, kind), migrator(node2, kind));
            nodes.forEach(m -> m.whileLocked(() -> sleep(500)));
            long started = System.nanoTime();

            List<Integer> applied = concurrently(2, i -> nodes.get(i).apply());

            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            // one applied every script, the other found them applied; neither failed on existing tables
            assertThat(applied).containsExactlyInAnyOrder(Migrator.SCRIPTS.size(), 0);
            assertThat(history(node1)).containsExactlyElementsOf(shippedHistory(kind));
            // each held the lock 500 ms in turn: had they overlapped, this would take about 500 ms
            assertThat(tookMillis).isGreaterThanOrEqualTo(1000);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void manyNodesBuildingTheStorageAtOnceAllStartOnOneSchema(Kind kind) throws Exception {
        try (HikariDataSource first = TestDatabases.fresh(kind)) {
            List<HikariDataSource> nodes = new ArrayList<>(List.of(first));
            for (int i = 1; i < 4; i++) {
                nodes.add(TestDatabases.secondNode(first));
            }
            try {
                List<JdbiStorage> stores = concurrently(nodes.size(), i -> JdbiStorage.builder(nodes.get(i)).build());

                assertThat(stores).hasSize(4).doesNotContainNull();
                assertThat(history(first)).containsExactlyElementsOf(shippedHistory(kind));
            } finally {
                nodes.subList(1, nodes.size()).forEach(HikariDataSource::close);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSecondStartAppliesNothing(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            assertThat(migrator(db, kind).apply()).isEqualTo(Migrator.SCRIPTS.size());

            assertThat(migrator(db, kind).apply()).isZero();
            assertThat(history(db)).containsExactlyElementsOf(shippedHistory(kind));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void validateAcceptsAMigratedDatabase(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            JdbiStorage.builder(db).build();

            JdbiStorage validated = JdbiStorage.builder(db).migrations(MigrationMode.VALIDATE).build();

            assertThat(validated.apiKeys().findConsumer("nobody")).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void validateRefusesAnEmptyDatabaseAndSaysWhatToDo(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            assertThatThrownBy(() -> JdbiStorage.builder(db).migrations(MigrationMode.VALIDATE).build())
                    .isInstanceOf(SchemaMigrationException.class)
                    .hasMessageContaining("idflow_schema_history")
                    .hasMessageContaining("has not been installed")
                    .hasMessageContaining("V1__init.sql")
                    .hasMessageContaining("MigrationMode.APPLY");
            // and it changed nothing
            assertThat(tableExists(db, "idflow_schema_history")).isFalse();
            assertThat(tableExists(db, "idflow_flow")).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void validateNamesAScriptMissingFromTheHistoryWithTheRowToRecord(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            JdbiStorage.builder(db).build();
            // the newest script: an older one missing below an applied newer one is another message
            String newest = Migrator.SCRIPTS.get(Migrator.SCRIPTS.size() - 1);
            Migrator.Script script = Migrator.load(dialect(kind), newest);
            execute(db, "DELETE FROM idflow_schema_history WHERE version = " + script.version());

            assertThatThrownBy(() -> JdbiStorage.builder(db).migrations(MigrationMode.VALIDATE).build())
                    .isInstanceOf(SchemaMigrationException.class)
                    .hasMessageContaining(newest + " not applied")
                    .hasMessageContaining(script.checksum());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aScriptChangedAfterItWasAppliedStopsTheStart(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            JdbiStorage.builder(db).build();
            execute(db, "UPDATE idflow_schema_history SET checksum = '" + "0".repeat(64) + "' WHERE version = 1");

            for (MigrationMode mode : List.of(MigrationMode.APPLY, MigrationMode.VALIDATE)) {
                assertThatThrownBy(() -> JdbiStorage.builder(db).migrations(mode).build())
                        .as(mode.name())
                        .isInstanceOf(SchemaMigrationException.class)
                        .hasMessageContaining("V1__init.sql was changed after it was applied");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aVersionNewerThanThisJarIsAcceptedForRollingUpgrades(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            JdbiStorage.builder(db).build();
            execute(db, "INSERT INTO idflow_schema_history (version, description, checksum, applied_at) "
                    + "VALUES (999, 'from a newer idflow', '" + "a".repeat(64) + "', CURRENT_TIMESTAMP)");

            JdbiStorage.builder(db).build();
            JdbiStorage.builder(db).migrations(MigrationMode.VALIDATE).build();

            assertThat(history(db)).hasSize(Migrator.SCRIPTS.size() + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void skipLeavesTheDatabaseAlone(Kind kind) {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            JdbiStorage storage = JdbiStorage.builder(db).migrations(MigrationMode.SKIP).build();

            assertThat(storage.databaseKind()).isEqualTo(kind == Kind.H2 ? "H2" : "PostgreSQL");
            assertThat(tableExists(db, "idflow_schema_history")).isFalse();
            assertThat(tableExists(db, "idflow_flow")).isFalse();
        }
    }

    /** The README's procedure for DBAs, followed literally: run the files, record them with sha256sum's checksum. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void scriptsAppliedByHandAsTheReadmeSaysPassValidation(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            String folder = dialect(kind).migrationsPath();
            runFile(db, folder + Migrator.BOOKKEEPING_SCRIPT);
            for (String script : Migrator.SCRIPTS) {
                runFile(db, folder + script);
                Migrator.Script parsed = Migrator.load(dialect(kind), script);
                try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                        "INSERT INTO idflow_schema_history (version, description, checksum, applied_at) "
                                + "VALUES (?, ?, ?, CURRENT_TIMESTAMP)")) {
                    s.setInt(1, parsed.version());
                    s.setString(2, parsed.description());
                    s.setString(3, sha256sum(folder + script));
                    s.executeUpdate();
                }
            }

            JdbiStorage storage = JdbiStorage.builder(db).migrations(MigrationMode.VALIDATE).build();

            assertThat(storage.flows().findById("none")).isEmpty();
        }
    }

    @Test
    void aPoolTooSmallForTheMigrationIsToldSo() {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:idflow-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        config.setUsername("sa");
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(500);
        try (HikariDataSource poolOfOne = new HikariDataSource(config)) {
            assertThatThrownBy(() -> JdbiStorage.builder(poolOfOne).build())
                    .isInstanceOf(SchemaMigrationException.class)
                    .hasMessageContaining("at least two connections");
        }
    }

    @Test
    void everyDatabaseShipsTheSameNumberedScripts() throws IOException, URISyntaxException {
        for (Dialect dialect : Dialect.values()) {
            Path folder = Path.of(getClass().getClassLoader().getResource(dialect.migrationsPath()).toURI());
            try (Stream<Path> files = Files.list(folder)) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
                List<String> expected = new ArrayList<>(Migrator.SCRIPTS);
                expected.add(Migrator.BOOKKEEPING_SCRIPT);
                assertThat(names).as(dialect.name()).containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    @Test
    void scriptsAreSplitOnlyAtSemicolonsThatEndStatements() {
        String script = """
                -- a comment; with a semicolon
                CREATE TABLE a (x text DEFAULT 'it''s; fine');
                /* block; comment */ INSERT INTO a VALUES ('--not a comment');
                CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
                SELECT "odd;name" FROM a
                """;

        assertThat(Migrator.statements(script)).containsExactly(
                "CREATE TABLE a (x text DEFAULT 'it''s; fine')",
                "INSERT INTO a VALUES ('--not a comment')",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "SELECT \"odd;name\" FROM a");
    }

    // ---------------------------------------------------------------- helpers

    private static Migrator migrator(DataSource db, Kind kind) {
        return new Migrator(Jdbi.create(db), dialect(kind), Duration.ofMinutes(1));
    }

    private static Dialect dialect(Kind kind) {
        return kind == Kind.H2 ? Dialect.H2 : Dialect.POSTGRESQL;
    }

    private static List<String> shippedHistory(Kind kind) {
        return Migrator.SCRIPTS.stream()
                .map(name -> Migrator.load(dialect(kind), name))
                .map(s -> s.version() + " " + s.description() + " " + s.checksum())
                .toList();
    }

    private static List<String> history(DataSource db) {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description, checksum FROM idflow_schema_history ORDER BY version")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    private static boolean tableExists(DataSource db, String table) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) = '" + table + "'")) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void execute(DataSource db, String sql) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As psql -f or H2's RunScript would: the file's statements, in order. */
    private static void runFile(DataSource db, String resource) throws IOException {
        String text;
        try (InputStream in = MigrationTest.class.getClassLoader().getResourceAsStream(resource)) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Migrator.statements(text).forEach(sql -> execute(db, sql));
    }

    /** What {@code sha256sum} prints for the file. */
    private static String sha256sum(String resource) throws Exception {
        try (InputStream in = MigrationTest.class.getClassLoader().getResourceAsStream(resource)) {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    interface IndexedTask<T> {
        T run(int index) throws Exception;
    }

    /** Runs {@code n} tasks released at one moment; results in task order. */
    static <T> List<T> concurrently(int n, IndexedTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                Callable<T> call = () -> {
                    go.await();
                    return task.run(index);
                };
                futures.add(pool.submit(call));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(2, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
