-- Loyalty engine schema, version 26 (PostgreSQL): an index of a subscriber's parked deliveries in event id order. The
-- migrator runs this script in one transaction.
--
-- Webhooks.parked(endpointId, page) lists an endpoint's parked deliveries a keyset page at a time, in event id order:
-- DeliveryPort.parked with the tenant, a range of this index. Without it PostgreSQL walked the primary key from the
-- cursor, through the tenant's deliveries to every subscriber in every status, until it had a page of the endpoint's
-- parked ones (RangeReadPlanPostgresTest). Partial: only parked rows, so deliveries and their retries do not touch it.
-- A listener's parked deliveries span tenants, and are read through ix_event_delivery_claim as before. (H2's version
-- 26 also widens ix_earned_reward_waiting, which is partial here and needs nothing.)
CREATE INDEX ix_event_delivery_parked ON event_delivery (tenant_id, subscriber, event_id) WHERE status = 'PARKED';
