-- idflow schema version 13: the operator console's list of a consumer's flows (FlowRepository.search),
-- newest first and paged by (created_at, flow_id). The index returns one consumer's flows in that order, so
-- a page reads about as many rows as it shows however many flows the table holds; filters on status,
-- end cause or test/live are applied while scanning it. flow_id is ordered bytewise (COLLATE "C"), as Java
-- compares strings, whatever the database's collation. A person_id filter uses idflow_flow_person_ix (V11).
CREATE INDEX idflow_flow_console_ix ON idflow_flow (consumer_id, created_at DESC, flow_id COLLATE "C" DESC);
