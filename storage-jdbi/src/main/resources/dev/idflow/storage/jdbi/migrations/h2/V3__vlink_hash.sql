-- Vlink tokens are bearer credentials: keep only their SHA-256 (hex, for lookup) and a copy sealed with
-- the host's cipher (to show the vlink to the consumer again), never the token itself.
ALTER TABLE idflow_flow ADD COLUMN vlink_hash VARCHAR(64);
ALTER TABLE idflow_flow ADD COLUMN vlink_sealed VARCHAR(1024);
-- Existing rows get their hash here, so they stay reachable through their vlink. Sealing needs the
-- host's cipher, which SQL does not have: Idflow seals these rows' tokens and clears vlink_id when it
-- starts (FlowRepository.sealClearVlinks). New rows never write vlink_id.
UPDATE idflow_flow SET vlink_hash = LOWER(RAWTOHEX(HASH('SHA-256', CAST(vlink_id AS VARBINARY))));
ALTER TABLE idflow_flow ALTER COLUMN vlink_hash SET NOT NULL;
ALTER TABLE idflow_flow ADD CONSTRAINT idflow_flow_vlink_hash_uq UNIQUE (vlink_hash);
ALTER TABLE idflow_flow DROP CONSTRAINT idflow_flow_vlink_uq;
ALTER TABLE idflow_flow ALTER COLUMN vlink_id DROP NOT NULL;
