-- Daily totals of the subjects of scopes without a column of their own (org:acme), beside
-- usage_daily, which keeps the built-in scopes alone: a day's spend per scope, identifier, tool,
-- provider and currency ('' for none, as in usage_daily), so a report on such a scope (one
-- subject's spend per provider, tool, day or month, or every subject's of the scope) reaches back
-- as far as one on a built-in scope. A prune folds a day's usage_entry_subject rows into it in the
-- transaction that deletes them, late rows of a day already rolled up are added in the transaction
-- that inserts them, and rollups past their retention go with usage_daily's.
--
-- One entry adds to one row per such scope it names (at most one subject each), so a scope's rows
-- of a day add up to what entries naming some subject of it spent, and usage_daily's total of the
-- day less that is what entries naming none spent.
--
--   scope: 32 ASCII letters; subject_id, tool_id, provider_id: 256 UTF-16 units on H2 (see V3).
CREATE TABLE usage_daily_subject (
  usage_day    DATE           NOT NULL,
  scope        VARCHAR(32)    NOT NULL,
  subject_id   VARCHAR(256)   NOT NULL,
  tool_id      VARCHAR(256)   NOT NULL,
  provider_id  VARCHAR(256)   NOT NULL,
  currency     VARCHAR(3)     NOT NULL,
  amount       NUMERIC(38, 9) NOT NULL,
  entries      BIGINT         NOT NULL,
  PRIMARY KEY (usage_day, scope, subject_id, tool_id, provider_id, currency)
);
-- A report on one subject (scope=org&id=acme) reads its rows of the days it covers.
CREATE INDEX usage_daily_subject_lookup ON usage_daily_subject (scope, subject_id, usage_day);

-- Days already rolled up lost their entries' subjects with their raw rows: only rows stored late
-- for such days (still raw until the next prune, and already counted in usage_daily) have them,
-- and are rolled up here. Days not rolled up yet are folded in by the next prune, like usage_daily.
INSERT INTO usage_daily_subject (usage_day, scope, subject_id, tool_id, provider_id, currency, amount, entries)
SELECT s.usage_day, s.scope, s.subject_id, COALESCE(u.tool_id, ''), COALESCE(u.provider_id, ''),
       COALESCE(u.currency, ''), SUM(u.amount), COUNT(*)
  FROM usage_entry_subject s JOIN usage_entry u ON u.id = s.entry_id
 WHERE s.usage_day < (SELECT rolled_up_before FROM ledger_state WHERE id = 1)
 GROUP BY s.usage_day, s.scope, s.subject_id, COALESCE(u.tool_id, ''), COALESCE(u.provider_id, ''), COALESCE(u.currency, '');
