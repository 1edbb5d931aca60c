-- idflow schema version 13: the operator console's list of a consumer's flows (FlowRepository.search),
-- newest first and paged by (created_at, flow_id). See the PostgreSQL script.
CREATE INDEX idflow_flow_console_ix ON idflow_flow (consumer_id, created_at DESC, flow_id DESC);
