package dev.idflow.storage.jdbi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * idflow's own small migrator: numbered SQL scripts per database, a history table, and a lock row so
 * that nodes starting together migrate once. Not Flyway on purpose: a bank's application may already
 * carry a Flyway of another version, and two Flyways on one classpath clash.
 *
 * <p>How a start goes ({@link MigrationMode#APPLY}):
 * <ol>
 *   <li>create {@code idflow_schema_history} and {@code idflow_schema_lock} if absent, and the lock's one row;</li>
 *   <li>on connection L, begin a transaction and {@code SELECT … FOR UPDATE} the lock row: a second node
 *       blocks here until L commits (or its process dies and the database ends L's transaction);</li>
 *   <li>on connection M, read the history, check the checksums of what was applied, and apply each
 *       missing script with its history row, one transaction per script;</li>
 *   <li>commit L, releasing the next node, which then finds nothing left to do.</li>
 * </ol>
 * The scripts run on M, not L, because H2 commits the open transaction at every DDL statement: run on L
 * they would release the lock half way through. PostgreSQL's DDL is transactional, so there a failed
 * script leaves no trace; on H2 it may leave part of its tables behind (the message says so).
 */
final class Migrator {
    private static final Logger log = LoggerFactory.getLogger(Migrator.class);

    /** The shipped scripts, oldest first; every dialect's folder holds exactly these names (a test checks). */
    static final List<String> SCRIPTS = List.of("V1__init.sql", "V2__attempt_files.sql", "V3__vlink_hash.sql",
            "V4__request_signatures.sql", "V5__step_state.sql", "V6__kyc_lists.sql", "V7__face_templates.sql",
            "V8__person_certificates.sql", "V9__webhooks.sql",
            "V10__idempotency_keys.sql", "V11__retention_audit.sql", "V12__person_keys.sql",
            "V13__console_search.sql");
    /** Creates the history and lock tables; idempotent, run before anything else. */
    static final String BOOKKEEPING_SCRIPT = "idflow_schema_history.sql";
    static final String HISTORY_TABLE = "idflow_schema_history";

    private static final Pattern SCRIPT_NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    /** H2 reports a lock wait that ran past its LOCK_TIMEOUT as HYT00; PostgreSQL, with lock_timeout set, as 55P03. */
    private static final List<String> LOCK_TIMEOUT_STATES = List.of("HYT00", "55P03");

    record Script(int version, String description, String fileName, String sql, String checksum) {
    }

    record Applied(int version, String description, String checksum) {
    }

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final List<Script> scripts;
    private final Duration lockWait;
    /** Runs while this migrator holds the lock, before it reads the history; tests widen the race window with it. */
    private Runnable whileLocked = () -> { };

    Migrator(Jdbi jdbi, Dialect dialect, Duration lockWait) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.lockWait = lockWait;
        this.scripts = SCRIPTS.stream().map(name -> load(dialect, name)).toList();
    }

    Migrator whileLocked(Runnable action) {
        this.whileLocked = action;
        return this;
    }

    void run(MigrationMode mode) {
        switch (mode) {
            case APPLY -> apply();
            case VALIDATE -> validate();
            case SKIP -> log.info("idflow schema: migrations skipped (MigrationMode.SKIP); the host answers for the schema");
        }
    }

    /** Brings the schema up to the shipped scripts; returns how many were applied by this call. */
    int apply() {
        createBookkeeping();
        try (Handle lock = jdbi.open()) {
            acquire(lock);
            try {
                whileLocked.run();
                // Read only now, under the lock: a node that held it before us has committed its scripts
                // and their history rows, so what we read here is final until we release it.
                List<Applied> history = history();
                checkApplied(history);
                List<Script> pending = pending(history);
                for (Script script : pending) {
                    applyOne(script);
                }
                if (pending.isEmpty()) {
                    log.debug("idflow schema is up to date (version {})", latestVersion());
                }
                lock.commit();
                return pending.size();
            } catch (ConnectionException e) {
                throw new SchemaMigrationException("idflow's migration holds one connection for its lock and needs a "
                        + "second one for the scripts, which the DataSource did not give: let the pool open at least "
                        + "two connections. " + rootMessage(e), e);
            } finally {
                if (lock.isInTransaction()) {
                    lock.rollback();
                }
            }
        }
    }

    /** Checks, changing nothing, that the history records every shipped script with its checksum. */
    void validate() {
        if (!historyTableExists()) {
            throw new SchemaMigrationException("idflow schema check failed (MigrationMode.VALIDATE): there is no "
                    + HISTORY_TABLE + " table in the connection's schema, so idflow's schema has not been installed. "
                    + "Apply " + dialect.migrationsPath() + BOOKKEEPING_SCRIPT + " and then " + describe(scripts)
                    + " (see the README of idflow-storage-jdbi), or start once with MigrationMode.APPLY.");
        }
        List<Applied> history = history();
        checkApplied(history);
        List<Script> missing = pending(history);
        if (!missing.isEmpty()) {
            StringBuilder rows = new StringBuilder();
            for (Script s : missing) {
                rows.append(" (").append(s.version()).append(", '").append(s.description()).append("', '")
                        .append(s.checksum()).append("', CURRENT_TIMESTAMP)");
            }
            throw new SchemaMigrationException("idflow schema check failed (MigrationMode.VALIDATE): "
                    + describe(missing) + " not applied. Apply them from " + dialect.migrationsPath()
                    + " in order, recording each in " + HISTORY_TABLE + " (version, description, checksum, applied_at):"
                    + rows + "; or start once with MigrationMode.APPLY.");
        }
        log.info("idflow schema is at version {} (validated)", latestVersion());
    }

    private int latestVersion() {
        return scripts.get(scripts.size() - 1).version();
    }

    /**
     * Creates the bookkeeping tables and the lock row. Two nodes may do this at the same moment, before
     * either holds a lock (the lock lives in these very tables): IF NOT EXISTS covers a node that comes
     * second, but on PostgreSQL two CREATEs truly at once can still fail with a unique violation in the
     * catalogue; the loser retries and finds the table. The lock row's insert is refused by its primary
     * key for all nodes but one, which is all we need.
     */
    private void createBookkeeping() {
        Script bookkeeping = load(dialect, BOOKKEEPING_SCRIPT);
        for (int attempt = 1; ; attempt++) {
            try {
                jdbi.useTransaction(h -> execute(h, bookkeeping));
                break;
            } catch (RuntimeException e) {
                if (attempt >= 3) {
                    throw new SchemaMigrationException("could not create idflow's migration tables ("
                            + dialect.migrationsPath() + BOOKKEEPING_SCRIPT + "): " + rootMessage(e), e);
                }
                log.debug("creating idflow's migration tables raced with another node; trying again", e);
            }
        }
        try {
            jdbi.useTransaction(h -> h.createUpdate("INSERT INTO idflow_schema_lock (id) VALUES (1)").execute());
        } catch (RuntimeException e) {
            if (!Sql.isUniqueViolation(e)) {
                throw new SchemaMigrationException("could not create idflow's migration lock row: " + rootMessage(e), e);
            }
        }
    }

    /**
     * Locks the lock row on {@code lock}, in a transaction left open. PostgreSQL waits as long as the
     * holder needs (unless the DBA set lock_timeout); H2 gives up after its LOCK_TIMEOUT, so we ask again
     * until {@link #lockWait} has passed.
     */
    private void acquire(Handle lock) {
        Instant giveUp = Instant.now().plus(lockWait);
        while (true) {
            lock.begin();
            try {
                lock.createQuery("SELECT id FROM idflow_schema_lock WHERE id = 1 FOR UPDATE").mapTo(Integer.class).one();
                return;
            } catch (RuntimeException e) {
                lock.rollback();
                if (!isLockTimeout(e)) {
                    throw new SchemaMigrationException("could not lock idflow_schema_lock: " + rootMessage(e), e);
                }
                if (Instant.now().isAfter(giveUp)) {
                    throw new SchemaMigrationException("another node has held idflow's migration lock for more than "
                            + lockWait + "; is a migration stuck? (idflow_schema_lock, row 1)", e);
                }
                log.info("waiting for another node to finish migrating idflow's schema");
            }
        }
    }

    private List<Applied> history() {
        return jdbi.withHandle(h -> h.createQuery("SELECT version, description, checksum FROM idflow_schema_history ORDER BY version")
                .map((rs, ctx) -> new Applied(rs.getInt("version"), rs.getString("description"), rs.getString("checksum")))
                .list());
    }

    /**
     * Fails when an applied script differs from the one shipped, or when a shipped script older than the
     * newest applied one is missing (applying it now would run scripts out of order). Versions newer than
     * this jar's are accepted with a warning: during a rolling upgrade, a node with the new jar migrates
     * while nodes with the old one keep running and may restart.
     */
    private void checkApplied(List<Applied> history) {
        Map<Integer, Script> shipped = new TreeMap<>();
        scripts.forEach(s -> shipped.put(s.version(), s));
        int newestApplied = 0;
        for (Applied applied : history) {
            newestApplied = Math.max(newestApplied, applied.version());
            Script script = shipped.get(applied.version());
            if (script == null) {
                log.warn("idflow schema version {} ({}) is applied but unknown to this idflow, which ships up to "
                        + "version {}: a newer idflow has migrated this database", applied.version(),
                        applied.description(), latestVersion());
            } else if (!script.checksum().equalsIgnoreCase(applied.checksum())) {
                throw new SchemaMigrationException(script.fileName() + " was changed after it was applied: "
                        + HISTORY_TABLE + " records checksum " + applied.checksum() + ", the shipped script has "
                        + script.checksum() + ". Never edit an applied script; add a new one.");
            }
        }
        for (Script script : pending(history)) {
            if (script.version() < newestApplied) {
                throw new SchemaMigrationException(script.fileName() + " is missing from " + HISTORY_TABLE
                        + " although version " + newestApplied + " is applied: apply it by hand and record it.");
            }
        }
    }

    private List<Script> pending(List<Applied> history) {
        return scripts.stream()
                .filter(s -> history.stream().noneMatch(a -> a.version() == s.version()))
                .toList();
    }

    /** One script and its history row in one transaction: on PostgreSQL both happen or neither does. */
    private void applyOne(Script script) {
        long started = System.nanoTime();
        try {
            jdbi.useTransaction(h -> {
                execute(h, script);
                h.createUpdate("INSERT INTO idflow_schema_history (version, description, checksum, applied_at) "
                                + "VALUES (:version, :description, :checksum, CURRENT_TIMESTAMP)")
                        .bind("version", script.version())
                        .bind("description", script.description())
                        .bind("checksum", script.checksum())
                        .execute();
            });
        } catch (RuntimeException e) {
            String aftermath = dialect == Dialect.POSTGRESQL
                    ? "It was rolled back; nothing of it remains."
                    : "H2 commits each DDL statement, so part of it may remain: repair by hand before starting again.";
            throw new SchemaMigrationException("applying " + dialect.migrationsPath() + script.fileName() + " failed: "
                    + rootMessage(e) + ". " + aftermath, e);
        }
        log.info("idflow schema: applied {} in {} ms", script.fileName(), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Runs each statement of a script as plain JDBC, so that nothing in it (a colon, an angle bracket)
     * is taken for a JDBI parameter or template.
     */
    private static void execute(Handle handle, Script script) {
        Connection connection = handle.getConnection();
        List<String> statements = statements(script.sql());
        for (int i = 0; i < statements.size(); i++) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(statements.get(i));
            } catch (SQLException e) {
                throw new IllegalStateException("statement " + (i + 1) + " of " + script.fileName() + ": "
                        + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }
    }

    private boolean historyTableExists() {
        return jdbi.withHandle(h -> {
            Connection connection = h.getConnection();
            try {
                DatabaseMetaData meta = connection.getMetaData();
                String name = meta.storesUpperCaseIdentifiers() ? HISTORY_TABLE.toUpperCase(java.util.Locale.ROOT) : HISTORY_TABLE;
                try (ResultSet tables = meta.getTables(connection.getCatalog(), connection.getSchema(), name, null)) {
                    return tables.next();
                }
            } catch (SQLException e) {
                throw new SchemaMigrationException("could not look for " + HISTORY_TABLE + ": " + e.getMessage(), e);
            }
        });
    }

    private static boolean isLockTimeout(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLException sql && LOCK_TIMEOUT_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        // H2 appends "; SQL statement:" and the statement on the next lines: the first line says it all
        return String.valueOf(t.getMessage()).lines().findFirst().orElse("").replaceFirst("; SQL statement:$", "");
    }

    private static String describe(List<Script> list) {
        return String.join(", ", list.stream().map(Script::fileName).toList());
    }

    static Script load(Dialect dialect, String fileName) {
        String path = dialect.migrationsPath() + fileName;
        String text;
        try (InputStream in = Migrator.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing from the jar: " + path);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new IllegalStateException("could not read " + path, e);
        }
        Matcher m = SCRIPT_NAME.matcher(fileName);
        int version = m.matches() ? Integer.parseInt(m.group(1)) : 0;
        String description = m.matches() ? m.group(2).replace('_', ' ') : fileName;
        return new Script(version, description, fileName, text, sha256(text));
    }

    /** SHA-256 (hex) of the script with LF line endings: what {@code sha256sum} prints for the file in the repository. */
    static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Splits a script into statements at semicolons that are outside comments, quoted strings, quoted
     * identifiers and PostgreSQL dollar-quoted bodies. Comments are dropped.
     */
    static List<String> statements(String script) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                current.append(' ');
            } else if (c == '\'' || c == '"') {
                int end = closingQuote(script, i, c);
                current.append(script, i, end);
                i = end;
            } else if (c == '$' && dollarTag(script, i) != null) {
                String tag = dollarTag(script, i);
                int end = script.indexOf(tag, i + tag.length());
                end = end < 0 ? n : end + tag.length();
                current.append(script, i, end);
                i = end;
            } else if (c == ';') {
                add(result, current);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(result, current);
        return result;
    }

    private static int closingQuote(String s, int open, char quote) {
        int i = open + 1;
        while (i < s.length()) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2; // a doubled quote stands for itself
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return s.length();
    }

    /** {@code $$} or {@code $tag$} starting at {@code i}, else null. */
    private static String dollarTag(String s, int i) {
        int j = i + 1;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            j++;
        }
        if (j < s.length() && s.charAt(j) == '$' && (j == i + 1 || !Character.isDigit(s.charAt(i + 1)))) {
            return s.substring(i, j + 1);
        }
        return null;
    }

    private static void add(List<String> result, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            result.add(statement);
        }
        current.setLength(0);
    }
}
