-- Loyalty engine schema, version 30 (H2): indexes of a campaign's conversions in conversion id order, all of them and
-- by status, and of a referrer's. Idempotent (IF NOT EXISTS): H2 commits DDL statement by statement, and a run that
-- died half-way is completed by the next.
--
-- Referrals.conversions(campaignId, status, page) lists a campaign's conversions a keyset page at a time in conversion
-- id order after a cursor, all of them or those in one status (REJECTED: the self-referral orders a fraud review
-- looks at); Referrals.conversions(referrer, page) a referrer's, newest first. ReferralPort.listConversionsOfCampaign
-- reads the first through ix_referral_conversion_campaign and the second through
-- ix_referral_conversion_campaign_status, listConversionsOfReferrer a range of ix_referral_conversion_referrer
-- backwards, each page a range of its index in its order, so that a page costs its rows whatever the campaign or the
-- tenant holds: V4 indexed the table only by its key (tenant, conversion id) and by (tenant, campaign, order id),
-- in neither of which a campaign's or a referrer's conversions are a range in id order. Each conversion costs an
-- entry in each of the three, and a reversal moves its entry in the status index.
CREATE INDEX IF NOT EXISTS ix_referral_conversion_campaign ON referral_conversion
  (tenant_id, campaign_id, conversion_id);
CREATE INDEX IF NOT EXISTS ix_referral_conversion_campaign_status ON referral_conversion
  (tenant_id, campaign_id, status, conversion_id);
CREATE INDEX IF NOT EXISTS ix_referral_conversion_referrer ON referral_conversion
  (tenant_id, referrer_id, conversion_id);
