-- The currency a ledger row's amount is in: that of the budgets its cost was charged to, when they
-- share one; NULL when no budget counted it, when budgets of different currencies did (each took
-- the same amount as its own currency), and for rows written before this column. Cost reports
-- total each currency apart, so an amount in euros is never added to one in dollars.
--
-- Nullable without a default: a change of the catalog only on PostgreSQL, no table is rewritten.
ALTER TABLE usage_entry ADD COLUMN currency VARCHAR(3);

-- The daily rollups keep it too, '' for none (it joins the primary key in V11, whose columns hold
-- no NULL). A constant default is a change of the catalog only on PostgreSQL as well.
ALTER TABLE usage_daily ADD COLUMN currency VARCHAR(3) DEFAULT '' NOT NULL;
