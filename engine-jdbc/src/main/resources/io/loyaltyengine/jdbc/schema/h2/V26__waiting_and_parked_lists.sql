-- Loyalty engine schema, version 26 (H2): the index of the rewards waiting for a coupon takes the code's column, and
-- an index of a subscriber's parked deliveries in event id order. Idempotent (IF EXISTS, IF NOT EXISTS): a run that
-- died half-way is completed by the next.
--
-- EarnedRewardPort.waitingForCoupon reads a campaign's approved COUPON rewards without a code, oldest first, when
-- codes are uploaded. H2 has no partial index: through (tenant, campaign, status, type, id) it read every approved
-- coupon reward of the campaign, those that hold a code too (100,011 rows for the 10 waiting behind 100,000 given a
-- code and never marked fulfilled). With the code's column before the id, those waiting (NULL) are one range of it.
DROP INDEX IF EXISTS ix_earned_reward_waiting;
CREATE INDEX IF NOT EXISTS ix_earned_reward_waiting
  ON earned_reward (tenant_id, campaign_id, status, type, coupon_code, earned_reward_id);
-- Webhooks.parked(endpointId, page) lists an endpoint's parked deliveries a keyset page at a time, in event id order:
-- DeliveryPort.parked with the tenant, a range of this index in its order. Through ix_event_delivery_outcome (its last
-- column the time) H2 read every parked delivery of the endpoint and sorted them for each page. A listener's parked
-- deliveries span tenants, and are read through ix_event_delivery_claim's PARKED range as before.
CREATE INDEX IF NOT EXISTS ix_event_delivery_parked ON event_delivery (tenant_id, subscriber, status, event_id);
