-- idflow schema version 12: per-person data keys (crypto-shredding, issue #13), PersonKeyVault.
-- One row per consumer, person and kind: key_id is a keyed digest (hmac:<32 hex>/t|l), never the person_id;
-- material is the AES key and the person_id sealed under it. Erasure deletes the row. Note: on H2 the
-- deleted row's bytes may stay in the file's old chunks, with the rows they open: a host on H2 keeps its
-- keys elsewhere (Idflow.builder().personKeys(new DirectoryKeyVault(...)), as the demo does).
CREATE TABLE idflow_person_key (
    key_id      VARCHAR(64)                 NOT NULL PRIMARY KEY,
    material    VARBINARY(1024)             NOT NULL
);
