-- idflow schema version 11 (H2): retention, erasure of a person, the audit trail (issue #13).
--
-- idflow_retention: a consumer's retention periods in seconds (null: kept until erased), and the lease of
-- the node purging that consumer's due data now (DataLifecycle.claimPurge): one node at a time per consumer.
CREATE TABLE idflow_retention (
    consumer_id          VARCHAR(128)   NOT NULL PRIMARY KEY,
    biometrics_seconds   BIGINT,
    documents_seconds    BIGINT,
    flows_seconds        BIGINT,
    purge_claimed_until  TIMESTAMP(3) WITH TIME ZONE
);

-- The audit trail: appended, never updated or deleted by idflow. Read by consumer and time range.
CREATE TABLE idflow_audit (
    record_id    VARCHAR(64)    NOT NULL PRIMARY KEY,
    consumer_id  VARCHAR(128)   NOT NULL,
    recorded_at  TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    actor        VARCHAR(256)   NOT NULL,
    action       VARCHAR(64)    NOT NULL,
    target_type  VARCHAR(64),
    target_id    VARCHAR(256),
    details      VARCHAR
);
CREATE INDEX idflow_audit_time_ix ON idflow_audit (consumer_id, recorded_at, record_id);

-- Which retention period a file falls under: biometric (frames, videos, best frames, face pictures) or
-- not (documents, uploads). Set at save from the label; existing files take it from theirs.
ALTER TABLE idflow_file ADD COLUMN biometric BOOLEAN DEFAULT FALSE NOT NULL;
UPDATE idflow_file SET biometric = TRUE WHERE label IN ('bestframe', 'liveness_video', 'liveness_alt_video',
    'liveness_frames', 'doc_face_picture', 'face_enroll_img', 'face_verif_img');

-- The purge's due columns. Each purge reads one consumer's rows older than a cutoff, oldest first, LIMIT a
-- batch: a range scan of these indexes touches only what is due.
CREATE INDEX idflow_file_retention_ix ON idflow_file (consumer_id, biometric, created_at, file_id);
-- H2 has no partial indexes: the range ended_at < cutoff holds only ended flows (NULLs are not less than anything)
CREATE INDEX idflow_flow_ended_ix ON idflow_flow (consumer_id, ended_at, flow_id);
CREATE INDEX idflow_face_template_age_ix ON idflow_face_template (consumer_id, kind, created_at);

-- A person's erasure finds the person's flows, and a flow's deletion its events.
CREATE INDEX idflow_flow_person_ix ON idflow_flow (consumer_id, person_id, test_flow);
CREATE INDEX idflow_event_flow_ix ON idflow_event (flow_id);
