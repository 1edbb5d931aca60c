-- A consumer's KYC lists (KycListRepository), checked by the kyc-list service: one row per
-- (consumer, list, field, value), and a list exists while it has rows. field is person_id, iin or
-- phone_number; a phone_number is kept as its digits only. The column is entry_value because VALUE
-- is a keyword in H2 2. The primary key makes an add idempotent and decides between two nodes adding
-- one entry at once; its prefixes serve every read (a consumer's list names, one list, one value in
-- the lists a step names).
CREATE TABLE idflow_kyc_entry (
    consumer_id  VARCHAR(128)                NOT NULL,
    list_name    VARCHAR(64)                 NOT NULL,
    field        VARCHAR(16)                 NOT NULL,
    entry_value  VARCHAR(256)                NOT NULL,
    added_at     TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (consumer_id, list_name, field, entry_value)
);
