package dev.idflow.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.keys.DirectoryKeyVault;
import dev.idflow.core.keys.PersonKeys;
import dev.idflow.core.keys.PersonRefs;
import dev.idflow.core.keys.SealedStorage;
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
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_DIR =
            PosixFilePermissions.fromString("rwx------");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_FILE =
            PosixFilePermissions.fromString("rw-------");

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
        Path dir = ownerOnlyDirectory(dataDir);
        HikariConfig config = new HikariConfig();
        // no trace file: H2 writes failed statements there, PII and all, with the umask's mode
        // WRITE_DELAY=0: every commit is in the file before it is answered, so kill -9 loses nothing
        // acknowledged (H2's default flushes up to 500 ms later; JdbiStorage sets it too, this says so here)
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("idflow") + ";DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0;WRITE_DELAY=0");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(8);
        config.setPoolName("idflow-h2");
        failFast(config);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            IdflowStorage raw = JdbiStorage.builder(pool).filesInDirectory(dir.resolve("files")).build();
            byte[] key = secretKey(dir);
            // each person's data sealed under a key of their own, kept beside (not in) the H2 file, whose old
            // chunks would otherwise keep a destroyed key with the rows it opens
            IdflowStorage storage = sealed(raw, new DirectoryKeyVault(dir.resolve("person-keys")), key);
            // the storage is open, so H2 has made its files: now make them, and any an older demo left
            // readable (0644), the owner's only
            ownerOnlyFiles(dir);
            return new Opened(storage, key, "h2 in " + dir, () -> {
                pool.close();
                // whatever H2 wrote while closing is the owner's only too
                ownerOnlyFiles(dir);
            });
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
        failFast(config);
        // the driver's own limits: a refused or unreachable server fails the attempt within a second; a
        // statement on a connection whose server vanished (no RST: a cut network) gives up after 10 s
        config.addDataSourceProperty("connectTimeout", "1");
        config.addDataSourceProperty("socketTimeout", "10");
        HikariDataSource pool = new HikariDataSource(config);
        try {
            JdbiStorage raw = JdbiStorage.builder(pool).build();
            Path dir = ownerOnlyDirectory(options.dataDir());
            byte[] key = secretKey(dir);
            // on PostgreSQL the keys live in idflow_person_key (a destroyed key's dead tuple stays until VACUUM)
            IdflowStorage storage = sealed(raw, raw.personKeys(), key);
            ownerOnlyFiles(dir);
            return new Opened(storage, key, "postgres at " + redactUrl(options.jdbcUrl()), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * The store behind crypto-shredding, made here rather than by Idflow because the esign service gets its
     * certificate repository before Idflow is built; the references come from the same secret key as Idflow's.
     */
    private static IdflowStorage sealed(IdflowStorage raw, dev.idflow.core.spi.PersonKeyVault vault, byte[] key) {
        return new SealedStorage(raw, new PersonKeys(vault, PersonRefs.fromSecret(key), new SecureRandom(),
                java.time.Duration.ofSeconds(60), java.time.Clock.systemUTC()));
    }

    /**
     * HikariCP settings for a database outage: a request waits at most 1 s for a connection (default
     * 30 s), a pooled connection is checked within 0.5 s before it is handed out (a connection the outage
     * broke is thrown away rather than used), and idflow's connection breaker turns three such failures
     * in a row into immediate refusals. When the database is back, the pool makes new connections by
     * itself: no restart. README "Database outages and crashes" gives the same settings to embedders.
     */
    static void failFast(HikariConfig config) {
        config.setConnectionTimeout(1_000);
        config.setValidationTimeout(500);
        config.setKeepaliveTime(30_000);
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
        // created owner-only, not chmod-ed after: no moment exists at which the key file is readable by others
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_FILE));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own protection has to do
            Files.createFile(file);
        }
        Files.write(file, key, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return key;
    }

    /**
     * The data directory, owner-only (0700). It holds the database with people's PII (IIN, phone,
     * masked card numbers), their files and the secret key, so nobody else on the machine may even list
     * it. A new directory is created 0700. An existing one is tightened when it is idflow's own (empty,
     * or holding what the demo writes: {@code idflow.*.db}, {@code secret.key}, {@code files}, {@code esign}); any other
     * directory the user pointed at (their home, /tmp) is not ours to chmod, so the demo only warns.
     */
    static Path ownerOnlyDirectory(Path dataDir) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
                return dir;
            }
        }
        try {
            if (Files.getPosixFilePermissions(dir).equals(OWNER_DIR)) {
                return dir;
            }
            if (isOurs(dir)) {
                // the umask may have cleared bits of a new directory; an old demo's one was 0755
                Files.setPosixFilePermissions(dir, OWNER_DIR);
            } else {
                org.slf4j.LoggerFactory.getLogger(DemoStorage.class).warn("--data-dir {} is readable by other users "
                        + "and holds files that are not idflow's: give the demo a directory of its own", dir);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own access control applies
        }
        return dir;
    }

    private static boolean isOurs(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).allMatch(name -> name.equals("secret.key")
                    || name.equals("files") || name.equals("esign") || name.equals("person-keys") || (name.startsWith("idflow.") && name.endsWith(".db")));
        }
    }

    /**
     * Every regular file directly in the data directory (H2's {@code idflow.mv.db} and trace file, the
     * secret key) made owner-only (0600). H2 creates its files with the process's umask (often 0644) and
     * Java cannot change the umask, so they are tightened after the database is opened; until then, and
     * for any file H2 makes later (a trace or temporary file), the 0700 directory already keeps others out.
     */
    static void ownerOnlyFiles(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            for (Path file : (Iterable<Path>) entries.filter(Files::isRegularFile)::iterator) {
                try {
                    Files.setPosixFilePermissions(file, OWNER_FILE);
                } catch (UnsupportedOperationException e) {
                    return; // not a POSIX file system
                }
            }
        }
    }

    /** A JDBC URL without any password it may carry. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
