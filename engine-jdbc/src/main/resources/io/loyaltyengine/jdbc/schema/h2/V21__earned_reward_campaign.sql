-- Loyalty engine schema, version 21 (H2): indexes of a campaign's earned rewards in id order, all of them and by
-- status. Idempotent (IF NOT EXISTS): a run that died half-way is completed by the next.
--
-- Rewards.earned(campaignId, status, page) lists a campaign's earned rewards a keyset page at a time, in id order
-- after a cursor: all of them, or those in one status (PENDING: the approval queue of a MANUAL campaign).
-- EarnedRewardPort.listForCampaign reads the first through ix_earned_reward_campaign and the second through
-- ix_earned_reward_campaign_status, each page a range of the index in its order, so that a page costs its rows
-- whatever the campaign holds.
CREATE INDEX IF NOT EXISTS ix_earned_reward_campaign ON earned_reward (tenant_id, campaign_id, earned_reward_id);
CREATE INDEX IF NOT EXISTS ix_earned_reward_campaign_status
  ON earned_reward (tenant_id, campaign_id, status, earned_reward_id);
