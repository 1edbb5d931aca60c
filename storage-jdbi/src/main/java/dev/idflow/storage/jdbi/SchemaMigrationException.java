package dev.idflow.storage.jdbi;

/**
 * idflow's schema could not be brought to, or is not at, the version this jar ships: a script failed, an
 * applied script was changed afterwards, or (in {@link MigrationMode#VALIDATE}) scripts are missing. The
 * message says which script and what to do.
 */
public class SchemaMigrationException extends IllegalStateException {
    public SchemaMigrationException(String message) {
        super(message);
    }

    public SchemaMigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
