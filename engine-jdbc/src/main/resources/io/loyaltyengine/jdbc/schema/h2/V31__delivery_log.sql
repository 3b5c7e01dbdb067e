-- Loyalty engine schema, version 31 (H2): V26's ix_event_delivery_parked made again as ix_event_delivery_subscriber,
-- the same columns under a name that says what it serves now: a webhook endpoint's delivery log too. Idempotent (IF
-- NOT EXISTS, IF EXISTS): H2 commits DDL statement by statement, and a run that died half-way is completed by the
-- next; the new index comes first, so the parked list is never left without one. Not a rename: a rename fails when
-- the versions run again over a schema whose history was lost (V26 makes the old name again beside the new one).
--
-- Webhooks.deliveries(endpointId, page) lists an endpoint's deliveries newest event first, in every status or in one:
-- DeliveryPort.listForSubscriber, a range of (tenant_id, subscriber, status, event_id) per status, the ranges merged
-- by event id. H2 has no partial index, so V26's index of those columns held the deliveries of every status already:
-- after this version, as before it, a delivery's insert and updates write one entry in it, no more.
CREATE INDEX IF NOT EXISTS ix_event_delivery_subscriber ON event_delivery (tenant_id, subscriber, status, event_id);
DROP INDEX IF EXISTS ix_event_delivery_parked;
