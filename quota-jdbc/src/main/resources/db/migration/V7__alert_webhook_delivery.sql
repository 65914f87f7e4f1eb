-- Where each webhook's delivery of an alert stands, so an operator with several webhooks can tell
-- which one took it, which one gave up and which one is still being tried, and so a server that
-- takes over a pending alert resends it only to the webhooks that have not taken it. The alert's own
-- delivery_state stays the summary of these rows ('partial' when some delivered and one failed).
--
-- webhook_id:  a digest of the webhook's configured URL (16 hex digits), stable across restarts
--              and reorderings of the configuration, and safe to show: the URL may carry credentials.
-- webhook_url: the URL without user info, query or fragment, for display; cut to the width. It is
--              kept here rather than looked up in the configuration, so an alert still lists the
--              webhooks it went to after one is removed from the configuration.
-- Alerts stored before this migration have no rows: which webhooks they went to is not known.
CREATE TABLE alert_webhook_delivery (
  alert_id     VARCHAR(128)             NOT NULL,
  webhook_id   VARCHAR(64)              NOT NULL,
  webhook_url  VARCHAR(2000)            NOT NULL,
  state        VARCHAR(16)              NOT NULL,
  attempts     INTEGER                  NOT NULL,
  last_error   VARCHAR(1000),
  delivered_at TIMESTAMP WITH TIME ZONE,
  CONSTRAINT alert_webhook_delivery_pk PRIMARY KEY (alert_id, webhook_id),
  CONSTRAINT alert_webhook_delivery_alert FOREIGN KEY (alert_id) REFERENCES alert (id) ON DELETE CASCADE,
  CONSTRAINT alert_webhook_delivery_state CHECK (state IN ('pending', 'delivered', 'failed'))
);
