-- 'partial': with several webhooks, some took the alert and at least one gave up.
ALTER TABLE alert DROP CONSTRAINT alert_delivery_state;
ALTER TABLE alert ADD CONSTRAINT alert_delivery_state
  CHECK (delivery_state IN ('pending', 'delivered', 'partial', 'failed', 'none'));
