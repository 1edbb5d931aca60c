-- idflow schema version 2: files carry their kind (test or live) and the attempt that wrote them, and
-- are findable only once bound; liveness sessions record the attempts reserved on them.
--
--   * test_file: a download finds only files of the caller's kind (test keys see test data only).
--     Existing files take the kind of their flow, else of their session, else live.
--   * attempt_id: the liveness attempt (or service run) that wrote the file; null for a consumer's upload.
--   * bound: false from save until the commit that records the attempt's verdict binds it. A file of a
--     refused or losing attempt, or of one whose node died before its commit, stays unbound: no
--     download finds it. Every file stored before this version was findable, so it stays bound.
--   * liveness_reserved_attempts: JSON array of attempt ids taken from attempts_left whose upload is
--     still being read or judged; only their verdicts are recorded.

ALTER TABLE idflow_file ADD COLUMN test_file BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE idflow_file ADD COLUMN attempt_id VARCHAR(128);
ALTER TABLE idflow_file ADD COLUMN bound BOOLEAN DEFAULT TRUE NOT NULL;

UPDATE idflow_file SET test_file = COALESCE(
    (SELECT f.test_flow FROM idflow_flow f WHERE f.flow_id = idflow_file.flow_id),
    (SELECT s.test_session FROM idflow_session s WHERE s.session_id = idflow_file.session_id),
    FALSE);

ALTER TABLE idflow_session ADD COLUMN liveness_reserved_attempts TEXT;

-- the purge of unbound files left by crashed nodes reads only those, oldest first
CREATE INDEX idflow_file_unbound_ix ON idflow_file (bound, created_at, file_id);
