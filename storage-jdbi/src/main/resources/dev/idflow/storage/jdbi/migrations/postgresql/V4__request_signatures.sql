-- Signed requests already served (SignatureLedger): a replay of (key, ts, signature) within the
-- timestamp window hits the primary key on any node. Hashes only, never a signature.
CREATE TABLE idflow_request_signature (
    key_hash        varchar(128)   NOT NULL,
    signature_hash  varchar(128)   NOT NULL,
    signed_ts       bigint         NOT NULL,
    expires_at      timestamptz(3) NOT NULL,
    PRIMARY KEY (key_hash, signature_hash)
);

-- the purge deletes the oldest expired rows first, a bounded number per call
CREATE INDEX idflow_request_signature_expiry_ix ON idflow_request_signature (expires_at);
