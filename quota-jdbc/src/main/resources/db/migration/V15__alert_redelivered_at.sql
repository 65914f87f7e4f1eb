-- When an admin last redelivered the alert (POST /v1/alerts/{id}/redeliver), NULL if never. A
-- redelivery sends again what failed, to the webhooks whose failed rows it reopened: a redelivered
-- alert goes only to the webhooks it has rows for, never to one configured since it fired, which
-- never had it, whichever server sends it (the one redelivering it, or one taking it over). An
-- alert still on its first delivery goes to every webhook configured that has not settled it.
--
-- Nullable without a default: a change of the catalog only on PostgreSQL, no table is rewritten.
ALTER TABLE alert ADD COLUMN redelivered_at TIMESTAMP WITH TIME ZONE;
