-- An entry's subjects of scopes without a column of their own (org:acme, any scope but user, team,
-- project, tool and provider), one row each, so cost reports can filter and group by those scopes
-- too. Written in the same statement or transaction as the entry (never an entry without them),
-- deleted with it by a prune (usage_day, the entry's, says which), and only for entries that name
-- such a scope: a ledger without them pays nothing per insert. V13 fills it for the rows already
-- stored, from their subjects text.
--
-- No foreign key: a check per row on thousands of inserts a second, for what the writers and the
-- prune keep true in one transaction anyway.
--
--   entry_id, subject_id: 128 characters, 256 UTF-16 units on H2 (see V3); scope: 32 ASCII letters.
CREATE TABLE usage_entry_subject (
  entry_id    VARCHAR(256) NOT NULL,
  usage_day   DATE         NOT NULL,
  scope       VARCHAR(32)  NOT NULL,
  subject_id  VARCHAR(256) NOT NULL,
  PRIMARY KEY (entry_id, scope)
);
-- A report on one subject (scope=org&id=acme) reads its entries' ids for the days it covers.
CREATE INDEX usage_entry_subject_lookup ON usage_entry_subject (scope, subject_id, usage_day);
