package dev.idflow.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.storage.jdbi.JdbiStorage;
import dev.idflow.storage.memory.InMemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/** Opens the storage the command line asks for, and the key that encrypts API-key secrets in it. */
final class DemoStorage {
    private DemoStorage() {
    }

    /** An open storage, the key that encrypts API-key secrets in it, and how to close it. */
    record Opened(IdflowStorage storage, byte[] secretKey, String description, AutoCloseable closer) {
        void close() {
            try {
                closer.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(DemoStorage.class).warn("closing storage: {}", e.toString());
            }
        }
    }

    static Opened open(DemoOptions options) throws IOException {
        return switch (options.storage()) {
            case "memory" -> memory();
            case "h2" -> h2(options.dataDir());
            case "postgres" -> postgres(options);
            default -> throw new DemoOptions.UsageException("--storage: must be memory, h2 or postgres");
        };
    }

    private static Opened memory() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new Opened(new InMemoryStorage(), key, "memory (gone when the demo stops)", () -> { });
    }

    /** An H2 file database in the data dir; files on disk beside it; the secret key in a file there. */
    private static Opened h2(Path dataDir) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("idflow") + ";DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(8);
        config.setPoolName("idflow-h2");
        HikariDataSource pool = new HikariDataSource(config);
        try {
            IdflowStorage storage = JdbiStorage.builder(pool).filesInDirectory(dir.resolve("files")).build();
            return new Opened(storage, secretKey(dir), "h2 in " + dir, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static Opened postgres(DemoOptions options) throws IOException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(options.jdbcUrl());
        config.setUsername(options.jdbcUser());
        config.setPassword(options.jdbcPassword());
        config.setMaximumPoolSize(16);
        config.setPoolName("idflow-postgres");
        HikariDataSource pool = new HikariDataSource(config);
        try {
            IdflowStorage storage = JdbiStorage.builder(pool).build();
            Path dir = options.dataDir().toAbsolutePath().normalize();
            Files.createDirectories(dir);
            return new Opened(storage, secretKey(dir), "postgres at " + redactUrl(options.jdbcUrl()), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * The 32-byte key that encrypts live-key secrets: from IDFLOW_SECRET_KEY (base64) if set, else a
     * file in the data dir made once (owner-only), so secrets stored by one run are readable by the next.
     */
    static byte[] secretKey(Path dir) throws IOException {
        String env = System.getenv("IDFLOW_SECRET_KEY");
        if (env != null && !env.isBlank()) {
            byte[] key = java.util.Base64.getDecoder().decode(env.trim());
            if (key.length != 32) {
                throw new DemoOptions.UsageException("IDFLOW_SECRET_KEY: must be 32 bytes, base64-encoded");
            }
            return key;
        }
        Path file = dir.resolve("secret.key");
        if (Files.exists(file)) {
            byte[] key = Files.readAllBytes(file);
            if (key.length != 32) {
                throw new DemoOptions.UsageException(file + ": must hold exactly 32 bytes");
            }
            return key;
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.write(file, key, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own protection has to do
        }
        return key;
    }

    /** A JDBC URL without any password it may carry. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
