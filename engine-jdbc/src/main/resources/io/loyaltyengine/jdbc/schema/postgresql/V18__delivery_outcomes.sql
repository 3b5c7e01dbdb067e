-- Loyalty engine schema, version 18 (PostgreSQL): an index of the deliveries' outcomes by tenant, subscriber, status
-- and when each was reached. The migrator runs this script in one transaction.
--
-- The dispatcher parks a webhook delivery left PENDING for longer than the retry window only with evidence that its
-- endpoint failed all that time: no delivery of the same tenant and subscriber DELIVERED since it was due, and one
-- PARKED since (DeliveryPort.parkOverdueWebhooks). Those two probes read this index; the primary key and
-- ix_event_delivery_order (PENDING rows only) would read all of the tenant's deliveries. Partial: only DELIVERED and
-- PARKED rows answer them, so a PENDING row's claims and retries, which change its updated_at, leave it alone.
CREATE INDEX ix_event_delivery_outcome ON event_delivery (tenant_id, subscriber, status, updated_at)
  WHERE status IN ('DELIVERED', 'PARKED');
