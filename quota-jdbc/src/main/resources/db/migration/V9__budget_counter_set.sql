-- Since when the engines sharing this database have counted budgets in the set of budget counters
-- the configuration names (each budgeted policy's or override's owner, currency, periods and
-- calendar). A missing counter of a period begun before then is rebuilt from the ledger, since the
-- period's spend so far went to counters of another name. Kept here so that a server restarted on
-- the same set keeps the time: taking its own start for it rebuilt every budget once more in each
-- period in progress, one ledger read per subject.
--
-- One row at most (id 1), written when an engine takes up a set: another fingerprint replaces the
-- row, the same one keeps the later of the two times.
-- fingerprint: SHA-256 of the set's canonical text, 64 hex digits.
CREATE TABLE budget_counter_set (
  id          INTEGER                  NOT NULL PRIMARY KEY,
  fingerprint CHAR(64)                 NOT NULL,
  kept_since  TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT budget_counter_set_one_row CHECK (id = 1)
);
