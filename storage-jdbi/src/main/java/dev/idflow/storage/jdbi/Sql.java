package dev.idflow.storage.jdbi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.DuplicateKeyException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Small conversions every repository of this package shares: times, JSON text and unique violations. */
final class Sql {
    /** SQL:2003's "unique violation"; PostgreSQL and H2 both report it for primary keys and unique indexes. */
    private static final String UNIQUE_VIOLATION = "23505";

    private Sql() {
    }

    /**
     * Binds an instant as TIMESTAMP WITH TIME ZONE in UTC, cut to milliseconds. Cut here rather than by
     * the column: PostgreSQL rounds to the column's precision (…123956 → …124) while H2 truncates, and
     * both stores must hand back the same value.
     */
    static Argument time(Instant instant) {
        return (position, statement, ctx) -> {
            if (instant == null) {
                statement.setNull(position, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                statement.setObject(position, OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC));
            }
        };
    }

    static Instant time(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Instant time(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /**
     * The 1-based position of {@code column} in a statement's column list ({@code "a, b, c"}), for reading a
     * row by position: a read by name makes the driver look the name up, case-insensitively, in a map it
     * builds for every result set (H2: a third of a one-row read). Fails at class initialisation when the
     * list lacks the column, so a column renamed in one place and not the other cannot go unnoticed.
     */
    static int position(String columns, String column) {
        String[] names = columns.split(",");
        for (int i = 0; i < names.length; i++) {
            if (names[i].trim().equals(column)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(column + " is not in the column list " + columns);
    }

    /** Reads a row of a result set positioned on it. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /**
     * One row by a single text parameter, on the handle's own connection (so inside a transaction it is
     * the transaction's), with plain JDBC: the hot reads (a flow by id on every GET, by vlink on every
     * hosted page call) skip JDBI's per-statement machinery (its statement context, argument binding and
     * mapper look-up), which cost more than H2's own work on a one-row read. A failure is JDBI's usual
     * {@link UnableToExecuteStatementException} with the database's message only (no bound values).
     */
    static <T> Optional<T> one(Handle h, String sql, String parameter, Row<T> row) {
        return list(h, sql, parameter, row).stream().findFirst();
    }

    /** Every row by a single text parameter, as {@link #one} (which is this for a unique key). */
    static <T> List<T> list(Handle h, String sql, String parameter, Row<T> row) {
        try (PreparedStatement statement = h.getConnection().prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rs = statement.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e.getMessage(), e, null);
        }
    }

    /** The number of a nullable integer column, or null (getInt would say 0). */
    static Integer integer(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    /**
     * JSON as text, through idflow's one mapper: text rather than PostgreSQL's jsonb, because jsonb
     * reorders keys and drops duplicates, and idflow hands pipeline options and input_data back exactly
     * as the client sent them.
     */
    static String json(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    static <T> T json(String text, Class<T> type) {
        if (text == null) {
            return null;
        }
        try {
            return Json.mapper().readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is not a valid " + type.getSimpleName(), e);
        }
    }

    static <T> T json(String text, TypeReference<T> type) {
        if (text == null) {
            return null;
        }
        try {
            return Json.mapper().readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is not a valid " + type.getType(), e);
        }
    }

    /** True when {@code failure}, or anything that caused it, is the database refusing a duplicate key. */
    static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    if (UNIQUE_VIOLATION.equals(s.getSQLState())) {
                        return true;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Runs an insert (or an update that may move a unique value) and turns the database's unique
     * violation into the SPI's {@link DuplicateKeyException}. The unique index, not a prior SELECT, is
     * what decides: two nodes inserting the same id at once cannot both pass a check, but only one can
     * pass the index.
     */
    static <T, X extends Exception> T uniquely(String what, Write<T, X> write) throws X {
        try {
            return write.run();
        } catch (RuntimeException e) {
            if (isUniqueViolation(e)) {
                throw new DuplicateKeyException(what + " exists", e);
            }
            throw e;
        }
    }

    /** A write that may throw the checked exception of its own work (reading an upload, say). */
    @FunctionalInterface
    interface Write<T, X extends Exception> {
        T run() throws X;
    }

    /**
     * Creates or replaces one row with SQL both databases share: update it, and insert it when there was
     * nothing to update. Two nodes saving the same new row at once both update nothing and both insert;
     * the primary key lets one through and fails the other, whose second attempt then finds the row and
     * updates it.
     */
    static void upsert(Jdbi jdbi, ToIntFunction<Handle> update, Consumer<Handle> insert) {
        for (int attempt = 1; ; attempt++) {
            try {
                jdbi.useTransaction(h -> {
                    if (update.applyAsInt(h) == 0) {
                        insert.accept(h);
                    }
                });
                return;
            } catch (RuntimeException e) {
                if (attempt >= 2 || !isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    /** At most this many ids in one {@code IN} list. */
    static final int IDS_PER_STATEMENT = 500;

    /** {@code ids} in runs of at most {@link #IDS_PER_STATEMENT}, one statement each. */
    static List<List<String>> chunks(List<String> ids) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += IDS_PER_STATEMENT) {
            out.add(ids.subList(i, Math.min(ids.size(), i + IDS_PER_STATEMENT)));
        }
        return out;
    }

    /** {@code :id0, :id1, …} for an {@code IN} list of {@code n} ids (the template engine is off). */
    static String idPlaceholders(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? ":id" : ", :id").append(i);
        }
        return b.toString();
    }

    /** Binds {@code ids} to the placeholders of {@link #idPlaceholders}. */
    static <S extends SqlStatement<S>> S bindIds(S statement, List<String> ids) {
        for (int i = 0; i < ids.size(); i++) {
            statement.bind("id" + i, ids.get(i));
        }
        return statement;
    }
}
