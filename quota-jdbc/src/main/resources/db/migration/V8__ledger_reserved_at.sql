-- When a committed reservation was made, in the counter store's time; NULL for recorded usage and
-- for rows written before this column. A store charges a commit to the counters the reservation
-- held: those of the period it was made in, and none that an admin reset of its subject started
-- afresh since. A budget rebuilt from the ledger counts each row from COALESCE(reserved_at, at) to
-- agree with it, however late the commit came.
--
-- Nullable without a default: a change of the catalog only on PostgreSQL, no table is rewritten.
ALTER TABLE usage_entry ADD COLUMN reserved_at TIMESTAMP WITH TIME ZONE;
