-- idflow's own migration bookkeeping (PostgreSQL). Run before the V*.sql scripts; safe to run again.
-- idflow_schema_history: one row per applied V<version>__<description>.sql, with the SHA-256 (hex) of
--   the script's text (line endings as LF), so a changed script is noticed.
-- idflow_schema_lock: one row that a starting node locks (SELECT ... FOR UPDATE) while it migrates, so
--   that nodes starting together migrate one after the other, never twice.

CREATE TABLE IF NOT EXISTS idflow_schema_history (
    version      integer        PRIMARY KEY,
    description  varchar(200)   NOT NULL,
    checksum     varchar(64)    NOT NULL,
    applied_at   timestamptz(3) NOT NULL
);

CREATE TABLE IF NOT EXISTS idflow_schema_lock (
    id  integer PRIMARY KEY
);
