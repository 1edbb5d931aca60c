-- Face templates (FaceTemplateRepository): a consumer's blacklist and graylist entries, enrolled by the
-- host, and the faces of persons whose liveness session passed (kind 'verified'), searched 1:N by the
-- face services. The template is the face engine's bytes sealed with the host's SecretCipher: this
-- table never holds a template in clear. test keeps sandbox templates apart from live ones. Reads are
-- by (consumer, test, kind) and (consumer, test, model); erasure by (consumer, person_id).
CREATE TABLE idflow_face_template (
    template_id      varchar(64)    NOT NULL PRIMARY KEY,
    consumer_id      varchar(128)   NOT NULL,
    test             boolean        NOT NULL,
    kind             varchar(16)    NOT NULL,
    person_id        varchar(128),
    reference        varchar(256),
    model            varchar(128)   NOT NULL,
    sealed_template  bytea          NOT NULL,
    session_id       varchar(64),
    created_at       timestamptz(3) NOT NULL
);
CREATE INDEX idflow_face_template_kind ON idflow_face_template (consumer_id, test, kind);
CREATE INDEX idflow_face_template_model ON idflow_face_template (consumer_id, test, model);
CREATE INDEX idflow_face_template_person ON idflow_face_template (consumer_id, person_id);

-- The consumers that enabled face lists: a row while they are on.
CREATE TABLE idflow_face_consumer (
    consumer_id  varchar(128)   NOT NULL PRIMARY KEY,
    enabled_at   timestamptz(3) NOT NULL
);
