-- Loyalty engine schema, version 18 (H2): an index of the deliveries' outcomes by tenant, subscriber, status and
-- when each was reached. Idempotent (IF NOT EXISTS): a run that died half-way is completed by the next.
--
-- The dispatcher parks a webhook delivery left PENDING for longer than the retry window only with evidence that its
-- endpoint failed all that time: no delivery of the same tenant and subscriber DELIVERED since it was due, and one
-- PARKED since (DeliveryPort.parkOverdueWebhooks). Those two probes read this index; the primary key and
-- ix_event_delivery_order (PENDING rows only) would read all of the tenant's deliveries. H2 has no partial index, so
-- PENDING rows are in it too.
CREATE INDEX IF NOT EXISTS ix_event_delivery_outcome ON event_delivery (tenant_id, subscriber, status, updated_at);
