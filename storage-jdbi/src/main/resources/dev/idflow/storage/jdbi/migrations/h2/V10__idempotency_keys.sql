-- idflow schema version 10: Idempotency-Keys (issue #13), IdempotencyStore. One row per key a consumer
-- sent with POST /flow or POST /liveness2/session, in its scope (consumer and kind of API key), for 24 h.
-- request_hash is the SHA-256 of the operation and its body; while status is NULL the claimant (claim_id)
-- still runs the operation, until lease_until. answer holds only what the consumer could read anyway:
-- never a bearer token (rebuilt from the sealed copy kept with the flow or session).
CREATE TABLE idflow_idempotency_key (
    scope         VARCHAR(160)                NOT NULL,
    idem_key      VARCHAR(128)                NOT NULL,
    request_hash  VARCHAR(64)                 NOT NULL,
    claim_id      VARCHAR(64)                 NOT NULL,
    created_at    TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    expires_at    TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    lease_until   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    status        INTEGER,
    resource_id   VARCHAR(128),
    answer        VARCHAR,
    PRIMARY KEY (scope, idem_key)
);

-- the purge deletes the oldest expired rows first, a bounded number per call
CREATE INDEX idflow_idempotency_key_expiry_ix ON idflow_idempotency_key (expires_at);
