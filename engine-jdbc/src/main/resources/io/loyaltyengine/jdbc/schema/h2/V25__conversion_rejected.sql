-- Loyalty engine schema, version 25 (H2): a conversion may be REJECTED. Idempotent (IF EXISTS, IF NOT EXISTS): H2
-- commits DDL statement by statement, and a run that died between the two is completed by the next.
--
-- Referrals.convert records an order whose named buyer is the code's own participant (a self-referral) as
-- REJECTED: kept, so that its order id answers as tracked, but with no points, no stats and nothing to reverse.
ALTER TABLE referral_conversion DROP CONSTRAINT IF EXISTS ck_referral_conversion_status;
ALTER TABLE referral_conversion ADD CONSTRAINT IF NOT EXISTS ck_referral_conversion_status
  CHECK (status IN ('CONVERTED', 'REVERSED', 'REJECTED'));
