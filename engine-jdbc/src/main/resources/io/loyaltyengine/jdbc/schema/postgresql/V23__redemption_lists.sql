-- Loyalty engine schema, version 23 (PostgreSQL): indexes of the redemptions of a catalog reward and of a
-- participant, in id order. The migrator runs this script in one transaction.
--
-- Catalog.redemptions(catalogRewardId, page) lists a reward's redemptions a keyset page at a time in id order after
-- a cursor (what a host ships), through ix_redemption_catalog_reward; Catalog.redemptions(participant, page) a
-- participant's newest first before a cursor (an account page), through ix_redemption_participant. Each page is a
-- range of its index in its order, so that it costs its rows whatever the tenant holds: the table's only indexes
-- were its primary key and the idempotency keys' unique one.
CREATE INDEX ix_redemption_catalog_reward ON redemption (tenant_id, catalog_reward_id, redemption_id);
CREATE INDEX ix_redemption_participant ON redemption (tenant_id, participant_id, redemption_id);
