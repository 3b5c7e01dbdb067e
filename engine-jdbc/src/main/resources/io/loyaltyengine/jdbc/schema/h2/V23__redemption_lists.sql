-- Loyalty engine schema, version 23 (H2): indexes of the redemptions of a catalog reward and of a participant, in
-- id order. Idempotent (IF NOT EXISTS): a run that died half-way is completed by the next.
--
-- Catalog.redemptions(catalogRewardId, page) lists a reward's redemptions a keyset page at a time in id order after
-- a cursor (what a host ships), through ix_redemption_catalog_reward; Catalog.redemptions(participant, page) a
-- participant's newest first before a cursor (an account page), through ix_redemption_participant. Each page is a
-- range of its index in its order, so that it costs its rows whatever the tenant holds.
CREATE INDEX IF NOT EXISTS ix_redemption_catalog_reward ON redemption (tenant_id, catalog_reward_id, redemption_id);
CREATE INDEX IF NOT EXISTS ix_redemption_participant ON redemption (tenant_id, participant_id, redemption_id);
