package dev.idflow.bench.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The PostgreSQL the storage programs measure: {@code -Dbench.pg.url=jdbc:postgresql://…} (with
 * {@code bench.pg.user}/{@code bench.pg.password}) for a server of your own, else an embedded one
 * (io.zonky, the same binaries the tests use) on port {@code bench.pg.port} (default 5442).
 */
final class BenchPostgres implements AutoCloseable {
    private final EmbeddedPostgres embedded;
    final HikariDataSource pool;
    final String description;

    private BenchPostgres(EmbeddedPostgres embedded, HikariDataSource pool, String description) {
        this.embedded = embedded;
        this.pool = pool;
        this.description = description;
    }

    static BenchPostgres start(int poolSize) {
        String url = System.getProperty("bench.pg.url");
        if (url != null) {
            return new BenchPostgres(null, pool(url, System.getProperty("bench.pg.user", "postgres"),
                    System.getProperty("bench.pg.password", "postgres"), poolSize), url);
        }
        try {
            int port = Integer.getInteger("bench.pg.port", 5442);
            EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(port)
                    .setServerConfig("shared_buffers", "256MB")
                    .setServerConfig("max_wal_size", "2GB")
                    .start();
            return new BenchPostgres(pg, pool(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres", poolSize),
                    "embedded PostgreSQL on port " + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HikariDataSource pool(String url, String user, String password, int size) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(size);
        c.setPoolName("bench-pg");
        return new HikariDataSource(c);
    }

    @Override
    public void close() throws IOException {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
