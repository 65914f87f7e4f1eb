-- PostgreSQL only (H2 keeps the V1 indexes): every ledger index is paid for on each of thousands
-- of inserts a second, so each one holds only the rows some query can look up.

-- Rows arrive in time order, so a block-range index of a few pages serves the time-range reports
-- instead of one B-tree entry per row.
DROP INDEX usage_entry_at;
CREATE INDEX usage_entry_at ON usage_entry USING brin (at);

-- Lookups by user, team or project always name one, so rows without one need no entry.
DROP INDEX usage_entry_user;
CREATE INDEX usage_entry_user ON usage_entry (user_id, at) WHERE user_id IS NOT NULL;
DROP INDEX usage_entry_team;
CREATE INDEX usage_entry_team ON usage_entry (team_id, at) WHERE team_id IS NOT NULL;
DROP INDEX usage_entry_project;
CREATE INDEX usage_entry_project ON usage_entry (project_id, at) WHERE project_id IS NOT NULL;

-- Still unique, and still arbiters of ON CONFLICT DO NOTHING, but only where set: a row usually
-- carries a reservation id or an idempotency key, rarely both.
ALTER TABLE usage_entry DROP CONSTRAINT usage_entry_reservation_id_key;
CREATE UNIQUE INDEX usage_entry_reservation_id ON usage_entry (reservation_id) WHERE reservation_id IS NOT NULL;
ALTER TABLE usage_entry DROP CONSTRAINT usage_entry_idempotency_key_key;
CREATE UNIQUE INDEX usage_entry_idempotency_key ON usage_entry (idempotency_key) WHERE idempotency_key IS NOT NULL;
