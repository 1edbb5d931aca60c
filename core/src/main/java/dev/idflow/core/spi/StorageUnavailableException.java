package dev.idflow.core.spi;

/**
 * The store cannot reach its database (or whatever keeps its data) right now: a connection could not
 * be had, or the store's own breaker is open after repeated failures and refuses at once rather than
 * making the caller wait. Nothing was written by the call that threw it. Requests answer it with the
 * JSON 500; background work pauses until the store answers again. Its message names no host, user or
 * statement.
 */
public class StorageUnavailableException extends RuntimeException {
    public StorageUnavailableException(String message) {
        super(message);
    }

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether {@code e}, or anything in its cause chain, says the storage is unreachable: this exception,
     * or a JDBC failure of SQLSTATE class 08 (connection exception: a connection lost mid-statement) or
     * 57P01–57P03 (the server shutting down, crashed, or not accepting connections yet).
     */
    public static boolean isOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StorageUnavailableException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true; // connection exception; the server shutting down or starting up
            }
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
        }
        return false;
    }
}
