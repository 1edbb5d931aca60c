-- idflow schema version 1 (PostgreSQL): consumers and API keys, flows, service sessions, files,
-- sandbox scripts, the event outbox.
--
-- Conventions:
--   * Times are timestamptz(3): UTC instants at millisecond precision.
--   * JSON is text, not jsonb: jsonb reorders keys and drops duplicates, and idflow promises to hand
--     pipeline options and input_data back exactly as the client sent them.
--   * version is the optimistic-lock counter: every update is
--     UPDATE ... SET ..., version = version + 1 WHERE <id> = ? AND version = ?
--   * No foreign keys between flows, sessions and files: idflow writes them in separate steps and
--     the engine, not the database, owns their consistency. idflow_file_chunk does reference
--     idflow_file, so deleting a file's row deletes its content.

CREATE TABLE idflow_consumer (
    consumer_id  varchar(128)   PRIMARY KEY,
    name         text,
    created_at   timestamptz(3) NOT NULL
);

-- Never the key itself: its SHA-256 (hex), and for live keys the secret encrypted with the host's key.
CREATE TABLE idflow_api_key (
    key_hash          varchar(128)   PRIMARY KEY,
    consumer_id       varchar(128)   NOT NULL,
    key_mode          varchar(8)     NOT NULL,
    encrypted_secret  bytea,
    key_prefix        varchar(64),
    created_at        timestamptz(3) NOT NULL
);

CREATE TABLE idflow_flow (
    flow_id                  varchar(128)   PRIMARY KEY,
    consumer_id              varchar(128)   NOT NULL,
    vlink_id                 varchar(255)   NOT NULL,
    api_version              varchar(32),
    locale                   varchar(32),
    person_id                varchar(255)   NOT NULL,
    template                 text           NOT NULL,
    template_id              varchar(255),
    test_flow                boolean        NOT NULL,
    callback_url             text,
    input_data               text,
    initial_device_type      text,
    ttl                      integer        NOT NULL,
    created_at               timestamptz(3) NOT NULL,
    updated_at               timestamptz(3),
    polled_at                timestamptz(3),
    started_at               timestamptz(3),
    current_step_id          varchar(64),
    current_step_started_at  timestamptz(3),
    last_activity_at         timestamptz(3),
    ended_at                 timestamptz(3),
    flow_status              varchar(16)    NOT NULL,
    end_cause                varchar(16),
    edited                   boolean        NOT NULL,
    -- the next moment the sweeper must look at the flow; null once it has ended
    deadline_at              timestamptz(3),
    -- a sweeper's lease on the flow (claimDue); cleared by every successful update
    claimed_until            timestamptz(3),
    version                  bigint         NOT NULL,
    CONSTRAINT idflow_flow_vlink_uq UNIQUE (vlink_id)
);

-- claimDue reads only live flows in deadline order: a partial index keeps its cost proportional to
-- what is due, however many ended flows the table holds.
CREATE INDEX idflow_flow_due_ix ON idflow_flow (deadline_at, flow_id) WHERE ended_at IS NULL;

CREATE TABLE idflow_session (
    session_id         varchar(128)   PRIMARY KEY,
    consumer_id        varchar(128)   NOT NULL,
    person_id          varchar(255)   NOT NULL,
    flow_id            varchar(128),
    step_id            varchar(64),
    service_name       varchar(255)   NOT NULL,
    api_version        varchar(32),
    test_session       boolean        NOT NULL,
    state              varchar(16)    NOT NULL,
    -- the state history, JSON [{"state":…,"created_at":…}], oldest first
    states             text           NOT NULL,
    status             varchar(16)    NOT NULL,
    result             text,
    -- liveness sessions only (all null otherwise); the device's bearer token is found by its hash
    sealed_access_token varchar(255),
    access_token_hash  varchar(128),
    liveness_pipeline  text,
    liveness_platform  text,
    -- opened by the consumer for its own front end (POST /liveness2/session), not by the flow engine
    liveness_consumer_driven boolean,
    attempts_left      integer,
    expires_at         timestamptz(3),
    review_reason      text,
    created_at         timestamptz(3) NOT NULL,
    updated_at         timestamptz(3),
    version            bigint         NOT NULL,
    CONSTRAINT idflow_session_token_uq UNIQUE (access_token_hash)
);

CREATE INDEX idflow_session_flow_ix ON idflow_session (flow_id, created_at, session_id);
CREATE INDEX idflow_session_person_ix ON idflow_session (consumer_id, person_id, service_name, created_at);

CREATE TABLE idflow_file (
    file_id       varchar(128)   PRIMARY KEY,
    consumer_id   varchar(128)   NOT NULL,
    person_id     varchar(255)   NOT NULL,
    flow_id       varchar(128),
    session_id    varchar(128),
    label         varchar(128)   NOT NULL,
    content_type  text           NOT NULL,
    file_name     text,
    size_bytes    bigint         NOT NULL,
    created_at    timestamptz(3) NOT NULL
);

-- "the newest file with this label" of a session, a flow or a person
CREATE INDEX idflow_file_session_ix ON idflow_file (session_id, label, created_at, file_id);
CREATE INDEX idflow_file_flow_ix ON idflow_file (flow_id, label, created_at, file_id);
CREATE INDEX idflow_file_person_ix ON idflow_file (consumer_id, person_id, label, created_at, file_id);

-- File content for the database file store, in chunks of at most 256 KiB: idflow writes and reads one
-- chunk at a time, so a 40 MB video never sits whole in the application's memory (the JDBC driver
-- reads a bytea value whole). The filesystem file store leaves this table empty.
CREATE TABLE idflow_file_chunk (
    file_id   varchar(128) NOT NULL REFERENCES idflow_file (file_id) ON DELETE CASCADE,
    chunk_no  integer      NOT NULL,
    data      bytea        NOT NULL,
    PRIMARY KEY (file_id, chunk_no)
);

-- JPEG and video do not compress: store out of line without trying to.
ALTER TABLE idflow_file_chunk ALTER COLUMN data SET STORAGE EXTERNAL;

-- Sandbox scripts: one per (consumer, person, service); files is JSON {label: base64}.
CREATE TABLE idflow_mockery (
    consumer_id   varchar(128)   NOT NULL,
    person_id     varchar(255)   NOT NULL,
    service_name  varchar(255)   NOT NULL,
    result        text           NOT NULL,
    files         text           NOT NULL,
    created_at    timestamptz(3) NOT NULL,
    PRIMARY KEY (consumer_id, person_id, service_name)
);

-- The event outbox: written in the same transaction as the state change it reports, then claimed and
-- delivered to the host's listeners. Delivered events stay, with delivered_at, for a DBA to inspect or
-- purge (DELETE FROM idflow_event WHERE delivered_at < now() - interval '30 days').
CREATE TABLE idflow_event (
    event_id       varchar(128)   PRIMARY KEY,
    event_type     varchar(32)    NOT NULL,
    consumer_id    varchar(128)   NOT NULL,
    flow_id        varchar(128)   NOT NULL,
    session_id     varchar(128),
    payload        text,
    created_at     timestamptz(3) NOT NULL,
    -- a deliverer's lease on the event (claimUndelivered)
    claimed_until  timestamptz(3),
    delivered_at   timestamptz(3)
);

-- claimUndelivered reads only pending events, oldest first
CREATE INDEX idflow_event_pending_ix ON idflow_event (created_at, event_id) WHERE delivered_at IS NULL;
