-- The latest admin reset of each subject. A budget counter the store lost is rebuilt from the
-- ledger's spend since its subject's reset, so a reset outlives a restarted or flushed store.
--
-- subject: a 32-letter scope, ':' and an identifier of 128 characters (256 UTF-16 units in H2)
-- is 289 units -> 300.
CREATE TABLE subject_reset (
  subject   VARCHAR(300)             NOT NULL PRIMARY KEY,
  reset_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
