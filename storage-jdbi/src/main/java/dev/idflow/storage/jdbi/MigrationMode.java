package dev.idflow.storage.jdbi;

/**
 * What {@link JdbiStorage.Builder#build()} does with idflow's schema. The scripts themselves ship in
 * the jar under {@code dev/idflow/storage/jdbi/migrations/{postgresql,h2}/} and are readable in the
 * repository, so a DBA can review and apply them by hand (see this module's README).
 */
public enum MigrationMode {
    /**
     * The default: apply every shipped script not yet recorded in {@code idflow_schema_history}, under a
     * lock, so that nodes starting together migrate exactly once. Fails if an applied script's checksum
     * differs from the shipped one.
     */
    APPLY,
    /**
     * Change nothing; fail at start, with a message naming what is missing or different, unless the
     * history records every shipped script with its checksum. For databases whose DBAs apply the scripts.
     */
    VALIDATE,
    /** Change and check nothing: the host answers for the schema (for example through its own Flyway). */
    SKIP
}
