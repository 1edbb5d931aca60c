-- idflow schema version 8: e-signature certificates (issue #11), PersonCertificateRepository.
-- One row per certificate the reference e-sign provider issued to a person: the certificate (X.509 DER)
-- and the person's private key sealed with the host's SecretCipher (never in clear; empty when the
-- provider keeps keys elsewhere). is_test keeps the TEST CA's certificates apart from live ones.
-- issuer_key is the SHA-256 (hex) of the issuing CA's certificate. The index serves every read
-- (a person's certificates of one kind, newest first) and the erasure of a person.
CREATE TABLE idflow_person_certificate (
    certificate_id  VARCHAR(128)                NOT NULL PRIMARY KEY,
    consumer_id     VARCHAR(128)                NOT NULL,
    person_id       VARCHAR(256)                NOT NULL,
    is_test         BOOLEAN                     NOT NULL,
    issuer_key      VARCHAR(64)                 NOT NULL,
    serial_number   VARCHAR(64)                 NOT NULL,
    subject         VARCHAR(1024)               NOT NULL,
    not_before      TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    not_after       TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    certificate     VARBINARY(65536)            NOT NULL,
    sealed_key      VARBINARY(65536)            NOT NULL,
    created_at      TIMESTAMP(3) WITH TIME ZONE NOT NULL
);
CREATE INDEX idflow_person_certificate_person ON idflow_person_certificate (consumer_id, person_id, is_test, created_at);
