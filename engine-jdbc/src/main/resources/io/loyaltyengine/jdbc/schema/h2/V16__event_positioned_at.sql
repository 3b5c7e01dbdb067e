-- Loyalty engine schema, version 16 (H2): when each event was positioned in its tenant's feed. Idempotent (IF NOT
-- EXISTS, and the backfill touches only rows it has not filled): H2 commits DDL statement by statement, and a run
-- that died half-way is completed by the next.
--
-- Retention counts from there: an event positioned late (a dispatcher stopped for longer than the retention) was
-- pruned by its occurred_at in the round that positioned it, before any change-feed reader could read it. Events
-- positioned before this version count from when they occurred, as they did. NULL while unpositioned.
ALTER TABLE event_outbox ADD COLUMN IF NOT EXISTS positioned_at TIMESTAMP(6) WITH TIME ZONE;
UPDATE event_outbox SET positioned_at = occurred_at WHERE position > 0 AND positioned_at IS NULL;
-- Pruning by age since positioning (ix_event_outbox_occurred served pruning by occurred_at).
CREATE INDEX IF NOT EXISTS ix_event_outbox_positioned ON event_outbox (positioned_at);
DROP INDEX IF EXISTS ix_event_outbox_occurred;
