-- idflow schema version 5: every step is a service (issue #9).
--
--   * idflow_session.step_state: while a session waits for the person or for an outside system, what its
--     service keeps between calls, as JSON: {"screen": {...}, "state": {...}, "awaits": "person"|"outside"}.
--     The screen is what the hosted page shows; the state is the service's own (an OTP's hash, its tries)
--     and is never shown to anyone. Null for a session that waits for nothing or has ended.
--   * idflow_flow.device_platform: the platform the person's page reported at start (android, ios, web),
--     beside initial_device_type (mobile, desktop): the device facts a device-filter step decides on.

ALTER TABLE idflow_session ADD COLUMN step_state TEXT;
ALTER TABLE idflow_flow ADD COLUMN device_platform VARCHAR(16);
