-- Loyalty engine schema, version 19 (PostgreSQL): idempotency keys of feedback ideas. The migrator runs this script
-- in one transaction.
--
-- A submission may carry the caller's idempotency key (FeedbackBoards.submitIdea), unique per tenant among ideas as
-- the keys of ledger entries, loyalty actions and redemptions are: a retry with the key finds the idea instead of
-- submitting a second one, and of two first requests with one key the unique key lets one insert its idea. NULL for
-- ideas submitted without a key, and for every idea submitted before this version (NULLs are distinct in a unique
-- key). The key is deleted with its idea (a moderator's deletion, or its author's). A nullable column without a
-- default is added to the catalog only; the unique key's index is built once over the ideas there are.
ALTER TABLE feedback_idea ADD COLUMN idempotency_key text;
ALTER TABLE feedback_idea ADD CONSTRAINT uq_feedback_idea_idempotency_key UNIQUE (tenant_id, idempotency_key);
