-- Loyalty engine schema, version 24 (H2): indexes of a campaign's referrals in invited id order, all of them and by
-- status. Idempotent (IF NOT EXISTS): a run that died half-way is completed by the next.
--
-- Referrals.referrals(campaignId, status, page) lists a campaign's referrals a keyset page at a time, in invited id
-- order after a cursor: all of them, or those in one status (IN_REVIEW, REJECTED: the queue of a fraud review).
-- ReferralPort.listForCampaign reads the first through ix_referral_campaign and the second through
-- ix_referral_campaign_status, each page a range of the index in its order, so that a page costs its rows whatever
-- the campaign holds.
CREATE INDEX IF NOT EXISTS ix_referral_campaign ON referral (tenant_id, campaign_id, invited_id);
CREATE INDEX IF NOT EXISTS ix_referral_campaign_status ON referral (tenant_id, campaign_id, status, invited_id);
