-- idflow schema version 9: signed webhooks (issue #13), WebhookStore.
-- idflow_webhook_endpoint: a consumer's endpoint; secret is the signing secret sealed with the host's
--   SecretCipher (never in clear).
-- idflow_webhook_delivery: one row per (event, endpoint), written by the commit that writes the event
--   (INSERT ... SELECT from the consumer's endpoints), and the delivery log of that pair. Claimed like
--   the event outbox: claimed_until is a deliverer's lease. The partial index holds only pending rows,
--   in due order, so claiming costs what is due, not what was ever sent.
CREATE TABLE idflow_webhook_endpoint (
    endpoint_id  varchar(128)   NOT NULL PRIMARY KEY,
    consumer_id  varchar(128)   NOT NULL,
    url          varchar(2048)  NOT NULL,
    secret       bytea          NOT NULL,
    created_at   timestamptz(3) NOT NULL
);
CREATE INDEX idflow_webhook_endpoint_consumer ON idflow_webhook_endpoint (consumer_id, created_at);

CREATE TABLE idflow_webhook_delivery (
    delivery_id      varchar(300)   NOT NULL PRIMARY KEY,
    event_id         varchar(128)   NOT NULL,
    endpoint_id      varchar(128)   NOT NULL,
    consumer_id      varchar(128)   NOT NULL,
    state            varchar(16)    NOT NULL,
    attempts         integer        NOT NULL,
    created_at       timestamptz(3) NOT NULL,
    next_attempt_at  timestamptz(3),
    last_attempt_at  timestamptz(3),
    last_status      integer,
    last_error       varchar(1000),
    delivered_at     timestamptz(3),
    claimed_until    timestamptz(3),
    CONSTRAINT idflow_webhook_delivery_pair UNIQUE (event_id, endpoint_id)
);
CREATE INDEX idflow_webhook_delivery_due ON idflow_webhook_delivery (next_attempt_at, delivery_id) WHERE state = 'PENDING';
CREATE INDEX idflow_webhook_delivery_log ON idflow_webhook_delivery (consumer_id, created_at, delivery_id);
CREATE INDEX idflow_webhook_delivery_endpoint ON idflow_webhook_delivery (endpoint_id) WHERE state = 'PENDING';
