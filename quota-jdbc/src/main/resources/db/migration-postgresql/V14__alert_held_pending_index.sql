-- A sender reads back, oldest first, the pending alerts it holds the claim on that one webhook has
-- not settled (JdbcAlertHistory.heldPendingFor): with hundreds of thousands waiting behind a webhook
-- that hangs, and years of settled alerts before them, the indexes on at and on (delivery_state, at)
-- made it walk through the settled ones, or every other server's, to find them. This one holds
-- only pending alerts, in the order they are read back per claimant, and their ids, so the read
-- finds the ids from the index alone and reads only the rows it returns.
CREATE INDEX alert_held_pending ON alert (claimed_by, at, id) WHERE delivery_state = 'pending';
