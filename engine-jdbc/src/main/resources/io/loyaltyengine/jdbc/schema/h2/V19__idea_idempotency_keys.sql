-- Loyalty engine schema, version 19 (H2): idempotency keys of feedback ideas. Idempotent (IF NOT EXISTS): H2
-- commits DDL statement by statement, and a run that died half-way is completed by the next.
--
-- A submission may carry the caller's idempotency key (FeedbackBoards.submitIdea), unique per tenant among ideas as
-- the keys of ledger entries, loyalty actions and redemptions are: a retry with the key finds the idea instead of
-- submitting a second one, and of two first requests with one key the unique key lets one insert its idea. NULL for
-- ideas submitted without a key, and for every idea submitted before this version (NULLs are distinct in a unique
-- key). The key is deleted with its idea (a moderator's deletion, or its author's).
ALTER TABLE feedback_idea ADD COLUMN IF NOT EXISTS idempotency_key VARCHAR;
ALTER TABLE feedback_idea ADD CONSTRAINT IF NOT EXISTS uq_feedback_idea_idempotency_key
  UNIQUE (tenant_id, idempotency_key);
