-- idflow schema version 9: signed webhooks (issue #13), WebhookStore.
-- idflow_webhook_endpoint: a consumer's endpoint; secret is the signing secret sealed with the host's
--   SecretCipher (never in clear).
-- idflow_webhook_delivery: one row per (event, endpoint), written by the commit that writes the event
--   (INSERT ... SELECT from the consumer's endpoints), and the delivery log of that pair. Claimed like
--   the event outbox: claimed_until is a deliverer's lease. H2 has no partial index: the due index leads
--   with state, so claiming reads only the pending range, in due order.
CREATE TABLE idflow_webhook_endpoint (
    endpoint_id  VARCHAR(128)                NOT NULL PRIMARY KEY,
    consumer_id  VARCHAR(128)                NOT NULL,
    url          VARCHAR(2048)               NOT NULL,
    secret       VARBINARY(65536)            NOT NULL,
    created_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL
);
CREATE INDEX idflow_webhook_endpoint_consumer ON idflow_webhook_endpoint (consumer_id, created_at);

CREATE TABLE idflow_webhook_delivery (
    delivery_id      VARCHAR(300)                NOT NULL PRIMARY KEY,
    event_id         VARCHAR(128)                NOT NULL,
    endpoint_id      VARCHAR(128)                NOT NULL,
    consumer_id      VARCHAR(128)                NOT NULL,
    state            VARCHAR(16)                 NOT NULL,
    attempts         INTEGER                     NOT NULL,
    created_at       TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    next_attempt_at  TIMESTAMP(3) WITH TIME ZONE,
    last_attempt_at  TIMESTAMP(3) WITH TIME ZONE,
    last_status      INTEGER,
    last_error       VARCHAR(1000),
    delivered_at     TIMESTAMP(3) WITH TIME ZONE,
    claimed_until    TIMESTAMP(3) WITH TIME ZONE,
    CONSTRAINT idflow_webhook_delivery_pair UNIQUE (event_id, endpoint_id)
);
CREATE INDEX idflow_webhook_delivery_due ON idflow_webhook_delivery (state, next_attempt_at, delivery_id);
CREATE INDEX idflow_webhook_delivery_log ON idflow_webhook_delivery (consumer_id, created_at, delivery_id);
CREATE INDEX idflow_webhook_delivery_endpoint ON idflow_webhook_delivery (endpoint_id, state);
