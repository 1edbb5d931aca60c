-- Signed requests already served (SignatureLedger): a replay of (key, ts, signature) within the
-- timestamp window hits the primary key on any node. Hashes only, never a signature.
CREATE TABLE idflow_request_signature (
    key_hash        VARCHAR(128)                NOT NULL,
    signature_hash  VARCHAR(128)                NOT NULL,
    signed_ts       BIGINT                      NOT NULL,
    expires_at      TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (key_hash, signature_hash)
);

-- the purge deletes the oldest expired rows first, a bounded number per call
CREATE INDEX idflow_request_signature_expiry_ix ON idflow_request_signature (expires_at);
