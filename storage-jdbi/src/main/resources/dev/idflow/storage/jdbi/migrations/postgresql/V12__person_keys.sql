-- idflow schema version 12: per-person data keys (crypto-shredding, issue #13), PersonKeyVault.
-- One row per consumer, person and kind: key_id is a keyed digest (hmac:<32 hex>/t|l), never the person_id;
-- material is the AES key and the person_id sealed under it. Erasure deletes the row; its dead tuple stays
-- until VACUUM (and its page's reuse), so until then a copy of the data directory still holds the key.
CREATE TABLE idflow_person_key (
    key_id      varchar(64)    NOT NULL PRIMARY KEY,
    material    bytea          NOT NULL
);
