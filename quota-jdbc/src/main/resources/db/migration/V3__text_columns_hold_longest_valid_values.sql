-- Every text column holds the longest value the engine accepts for it, on both engines.
--
-- Limits count characters (Unicode code points). PostgreSQL's VARCHAR(n) counts characters too,
-- but H2's counts UTF-16 units, in which a character outside the Basic Multilingual Plane (most
-- emoji) takes two. So each width below is the longest valid value in UTF-16 units; PostgreSQL
-- then holds it with room to spare. Scope and meter names are ASCII, one unit per character.
--
--   identifier, idempotency key or ledger id: 128 characters                      256 units
--   selector: two 32-letter scopes, two identifiers, ':', ',' and ':'              579 -> 600
--   audit target: a selector, ' #' and an override id (at most 128 ASCII)          709 -> 800
--   actor, and the API key name that becomes one: 200 characters                   400
--   reason: 1000 characters                                                        2000
--   ledger subjects: 16 lines '\n' + 32-letter scope + ':' + identifier, then '\n' 4641 -> 5000
--   API key subjects: 1000 lines of a subject (32 + 1 + 256) and '\n'              290000 -> 300000
--
-- Widening a VARCHAR is a change of the catalog only on PostgreSQL: no table or index is rewritten.

ALTER TABLE policy ALTER COLUMN selector SET DATA TYPE VARCHAR(600);

ALTER TABLE policy_version ALTER COLUMN selector SET DATA TYPE VARCHAR(600);
ALTER TABLE policy_version ALTER COLUMN actor SET DATA TYPE VARCHAR(400);

ALTER TABLE policy_override ALTER COLUMN selector SET DATA TYPE VARCHAR(600);

ALTER TABLE audit_log ALTER COLUMN actor SET DATA TYPE VARCHAR(400);
ALTER TABLE audit_log ALTER COLUMN target SET DATA TYPE VARCHAR(800);
ALTER TABLE audit_log ALTER COLUMN reason SET DATA TYPE VARCHAR(2000);

ALTER TABLE api_key ALTER COLUMN name SET DATA TYPE VARCHAR(400);
ALTER TABLE api_key ALTER COLUMN subjects SET DATA TYPE VARCHAR(300000);

ALTER TABLE alert ALTER COLUMN policy SET DATA TYPE VARCHAR(600);

ALTER TABLE usage_entry ALTER COLUMN id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN user_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN team_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN project_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN tool_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN provider_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN subjects SET DATA TYPE VARCHAR(5000);
ALTER TABLE usage_entry ALTER COLUMN reservation_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_entry ALTER COLUMN idempotency_key SET DATA TYPE VARCHAR(256);

ALTER TABLE usage_daily ALTER COLUMN user_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_daily ALTER COLUMN team_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_daily ALTER COLUMN project_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_daily ALTER COLUMN tool_id SET DATA TYPE VARCHAR(256);
ALTER TABLE usage_daily ALTER COLUMN provider_id SET DATA TYPE VARCHAR(256);
