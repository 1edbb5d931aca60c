-- idflow schema version 8: e-signature certificates (issue #11), PersonCertificateRepository.
-- One row per certificate the reference e-sign provider issued to a person: the certificate (X.509 DER)
-- and the person's private key sealed with the host's SecretCipher (never in clear; empty when the
-- provider keeps keys elsewhere). is_test keeps the TEST CA's certificates apart from live ones.
-- issuer_key is the SHA-256 (hex) of the issuing CA's certificate. The index serves every read
-- (a person's certificates of one kind, newest first) and the erasure of a person.
CREATE TABLE idflow_person_certificate (
    certificate_id  varchar(128)   NOT NULL PRIMARY KEY,
    consumer_id     varchar(128)   NOT NULL,
    person_id       varchar(256)   NOT NULL,
    is_test         boolean        NOT NULL,
    issuer_key      varchar(64)    NOT NULL,
    serial_number   varchar(64)    NOT NULL,
    subject         varchar(1024)  NOT NULL,
    not_before      timestamptz(3) NOT NULL,
    not_after       timestamptz(3) NOT NULL,
    certificate     bytea          NOT NULL,
    sealed_key      bytea          NOT NULL,
    created_at      timestamptz(3) NOT NULL
);
CREATE INDEX idflow_person_certificate_person ON idflow_person_certificate (consumer_id, person_id, is_test, created_at);
