-- idflow schema version 1 (H2): consumers and API keys, flows, service sessions, files, sandbox
-- scripts, the event outbox. The same tables and columns as postgresql/V1__init.sql, in H2's types.
--
-- Conventions:
--   * Times are TIMESTAMP(3) WITH TIME ZONE: UTC instants at millisecond precision.
--   * JSON is kept as CHARACTER VARYING text, exactly as written.
--   * version is the optimistic-lock counter: every update is
--     UPDATE ... SET ..., version = version + 1 WHERE <id> = ? AND version = ?
--   * No foreign keys between flows, sessions and files: idflow writes them in separate steps and
--     the engine, not the database, owns their consistency. IDFLOW_FILE_CHUNK does reference
--     IDFLOW_FILE, so deleting a file's row deletes its content.

CREATE TABLE idflow_consumer (
    consumer_id  VARCHAR(128)                PRIMARY KEY,
    name         VARCHAR,
    created_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL
);

-- Never the key itself: its SHA-256 (hex), and for live keys the secret encrypted with the host's key.
CREATE TABLE idflow_api_key (
    key_hash          VARCHAR(128)                PRIMARY KEY,
    consumer_id       VARCHAR(128)                NOT NULL,
    key_mode          VARCHAR(8)                  NOT NULL,
    encrypted_secret  VARBINARY,
    key_prefix        VARCHAR(64),
    created_at        TIMESTAMP(3) WITH TIME ZONE NOT NULL
);

CREATE TABLE idflow_flow (
    flow_id                  VARCHAR(128)                PRIMARY KEY,
    consumer_id              VARCHAR(128)                NOT NULL,
    vlink_id                 VARCHAR(255)                NOT NULL,
    api_version              VARCHAR(32),
    locale                   VARCHAR(32),
    person_id                VARCHAR(255)                NOT NULL,
    template                 VARCHAR                     NOT NULL,
    template_id              VARCHAR(255),
    test_flow                BOOLEAN                     NOT NULL,
    callback_url             VARCHAR,
    input_data               VARCHAR,
    initial_device_type      VARCHAR,
    ttl                      INTEGER                     NOT NULL,
    created_at               TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    updated_at               TIMESTAMP(3) WITH TIME ZONE,
    polled_at                TIMESTAMP(3) WITH TIME ZONE,
    started_at               TIMESTAMP(3) WITH TIME ZONE,
    current_step_id          VARCHAR(64),
    current_step_started_at  TIMESTAMP(3) WITH TIME ZONE,
    last_activity_at         TIMESTAMP(3) WITH TIME ZONE,
    ended_at                 TIMESTAMP(3) WITH TIME ZONE,
    flow_status              VARCHAR(16)                 NOT NULL,
    end_cause                VARCHAR(16),
    edited                   BOOLEAN                     NOT NULL,
    -- the next moment the sweeper must look at the flow; null once it has ended
    deadline_at              TIMESTAMP(3) WITH TIME ZONE,
    -- a sweeper's lease on the flow (claimDue); cleared by every successful update
    claimed_until            TIMESTAMP(3) WITH TIME ZONE,
    version                  BIGINT                      NOT NULL,
    CONSTRAINT idflow_flow_vlink_uq UNIQUE (vlink_id)
);

-- claimDue reads flows in deadline order. H2 has no partial indexes, but an ended flow's deadline_at
-- is null, so the range deadline_at <= now still touches only what is due.
CREATE INDEX idflow_flow_due_ix ON idflow_flow (deadline_at, flow_id);

CREATE TABLE idflow_session (
    session_id         VARCHAR(128)                PRIMARY KEY,
    consumer_id        VARCHAR(128)                NOT NULL,
    person_id          VARCHAR(255)                NOT NULL,
    flow_id            VARCHAR(128),
    step_id            VARCHAR(64),
    service_name       VARCHAR(255)                NOT NULL,
    api_version        VARCHAR(32),
    test_session       BOOLEAN                     NOT NULL,
    state              VARCHAR(16)                 NOT NULL,
    -- the state history, JSON [{"state":…,"created_at":…}], oldest first
    states             VARCHAR                     NOT NULL,
    status             VARCHAR(16)                 NOT NULL,
    result             VARCHAR,
    -- liveness sessions only (all null otherwise); the device's bearer token is found by its hash
    sealed_access_token VARCHAR(255),
    access_token_hash  VARCHAR(128),
    liveness_pipeline  VARCHAR,
    liveness_platform  VARCHAR,
    -- opened by the consumer for its own front end (POST /liveness2/session), not by the flow engine
    liveness_consumer_driven BOOLEAN,
    attempts_left      INTEGER,
    expires_at         TIMESTAMP(3) WITH TIME ZONE,
    review_reason      VARCHAR,
    created_at         TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    updated_at         TIMESTAMP(3) WITH TIME ZONE,
    version            BIGINT                      NOT NULL,
    CONSTRAINT idflow_session_token_uq UNIQUE (access_token_hash)
);

CREATE INDEX idflow_session_flow_ix ON idflow_session (flow_id, created_at, session_id);
CREATE INDEX idflow_session_person_ix ON idflow_session (consumer_id, person_id, service_name, created_at);

CREATE TABLE idflow_file (
    file_id       VARCHAR(128)                PRIMARY KEY,
    consumer_id   VARCHAR(128)                NOT NULL,
    person_id     VARCHAR(255)                NOT NULL,
    flow_id       VARCHAR(128),
    session_id    VARCHAR(128),
    label         VARCHAR(128)                NOT NULL,
    content_type  VARCHAR                     NOT NULL,
    file_name     VARCHAR,
    size_bytes    BIGINT                      NOT NULL,
    created_at    TIMESTAMP(3) WITH TIME ZONE NOT NULL
);

-- "the newest file with this label" of a session, a flow or a person
CREATE INDEX idflow_file_session_ix ON idflow_file (session_id, label, created_at, file_id);
CREATE INDEX idflow_file_flow_ix ON idflow_file (flow_id, label, created_at, file_id);
CREATE INDEX idflow_file_person_ix ON idflow_file (consumer_id, person_id, label, created_at, file_id);

-- File content for the database file store, in chunks of at most 256 KiB, written and read one at a
-- time so that a 40 MB video never sits whole in memory. The filesystem file store leaves it empty.
CREATE TABLE idflow_file_chunk (
    file_id   VARCHAR(128)      NOT NULL REFERENCES idflow_file (file_id) ON DELETE CASCADE,
    chunk_no  INTEGER           NOT NULL,
    data      VARBINARY(262144) NOT NULL,
    PRIMARY KEY (file_id, chunk_no)
);

-- Sandbox scripts: one per (consumer, person, service); files is JSON {label: base64}.
CREATE TABLE idflow_mockery (
    consumer_id   VARCHAR(128)                NOT NULL,
    person_id     VARCHAR(255)                NOT NULL,
    service_name  VARCHAR(255)                NOT NULL,
    result        VARCHAR                     NOT NULL,
    files         VARCHAR                     NOT NULL,
    created_at    TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (consumer_id, person_id, service_name)
);

-- The event outbox: written in the same transaction as the state change it reports, then claimed and
-- delivered to the host's listeners. Delivered events stay, with delivered_at, until purged.
CREATE TABLE idflow_event (
    event_id       VARCHAR(128)                PRIMARY KEY,
    event_type     VARCHAR(32)                 NOT NULL,
    consumer_id    VARCHAR(128)                NOT NULL,
    flow_id        VARCHAR(128)                NOT NULL,
    session_id     VARCHAR(128),
    payload        VARCHAR,
    created_at     TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    -- a deliverer's lease on the event (claimUndelivered)
    claimed_until  TIMESTAMP(3) WITH TIME ZONE,
    delivered_at   TIMESTAMP(3) WITH TIME ZONE
);

-- claimUndelivered reads pending events (delivered_at IS NULL), oldest first
CREATE INDEX idflow_event_pending_ix ON idflow_event (delivered_at, created_at, event_id);
