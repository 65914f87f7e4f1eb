-- Which server is delivering a pending alert's webhooks, and until when. A server renews its
-- claims while it holds the alerts and releases them when it stops; any server takes over a
-- pending alert whose claim has lapsed (its server died) or was released (its server stopped).
--
-- claimed_by: a random id per server process (a UUID is 36 characters).
ALTER TABLE alert ADD COLUMN claimed_by VARCHAR(64);
ALTER TABLE alert ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
