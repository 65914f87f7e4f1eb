-- The index the read-back of pending alerts by claimant goes by (see the PostgreSQL V12). H2 has
-- no partial indexes: the state is a column of the key instead, after the claimant.
CREATE INDEX alert_held_pending ON alert (claimed_by, delivery_state, at, id);
