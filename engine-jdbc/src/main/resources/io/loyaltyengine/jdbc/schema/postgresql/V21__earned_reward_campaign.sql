-- Loyalty engine schema, version 21 (PostgreSQL): indexes of a campaign's earned rewards in id order, all of them
-- and by status. The migrator runs this script in one transaction.
--
-- Rewards.earned(campaignId, status, page) lists a campaign's earned rewards a keyset page at a time, in id order
-- after a cursor: all of them, or those in one status (PENDING: the approval queue of a MANUAL campaign).
-- EarnedRewardPort.listForCampaign reads the first through ix_earned_reward_campaign and the second through
-- ix_earned_reward_campaign_status, each page a range of the index in its order, so that a page costs its rows
-- whatever the campaign holds: the existing indexes lead with the participant or the action, or (winners, waiting)
-- hold only some rows, and a campaign's few PENDING rewards behind its many FULFILLED ones would otherwise cost a
-- read of all of them.
CREATE INDEX ix_earned_reward_campaign ON earned_reward (tenant_id, campaign_id, earned_reward_id);
CREATE INDEX ix_earned_reward_campaign_status ON earned_reward (tenant_id, campaign_id, status, earned_reward_id);
