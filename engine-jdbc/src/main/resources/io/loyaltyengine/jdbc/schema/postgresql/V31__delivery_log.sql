-- Loyalty engine schema, version 31 (PostgreSQL): an index of a subscriber's deliveries by status in event id order,
-- replacing V26's partial index of its parked ones. The migrator runs this script in one transaction (the index is
-- built while the table's writes wait, as every index of the earlier versions was).
--
-- Webhooks.deliveries(endpointId, page) lists an endpoint's deliveries newest event first, in every status or in one:
-- DeliveryPort.listForSubscriber, a range of this index per status, the ranges merged by event id as they are read
-- (Merge Append). No index held an endpoint's PENDING or DELIVERED deliveries in event order: ix_event_delivery_order
-- holds the PENDING ones by participant, ix_event_delivery_outcome the DELIVERED ones by time, and PostgreSQL would
-- have read all of them and sorted, or walked the primary key over the tenant's deliveries to every subscriber.
-- Webhooks.parked reads the PARKED range of this index as it read the partial one, so that one is dropped: kept, it
-- would cost every parking an entry more and serve nothing this one does not.
--
-- The write cost: every update of a delivery row was already a new row version with an entry in each index its
-- new row belongs to (the claim's lease changes updated_at, which ix_event_delivery_outcome holds; the outcome
-- changes status), so this index, unlike the partial one, takes an entry at the delivery's insert and at each of its
-- updates (lease, outcome, retry, replay): three for a delivery delivered at its first attempt. Delivery rows are
-- written by the dispatcher after the change that made the event committed, never in the host's transaction.
CREATE INDEX ix_event_delivery_subscriber ON event_delivery (tenant_id, subscriber, status, event_id);
DROP INDEX ix_event_delivery_parked;
