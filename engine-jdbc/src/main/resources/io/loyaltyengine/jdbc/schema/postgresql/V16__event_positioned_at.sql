-- Loyalty engine schema, version 16 (PostgreSQL): when each event was positioned in its tenant's feed. The migrator
-- runs this script in one transaction.
--
-- Retention counts from there: an event positioned late (a dispatcher stopped for longer than the retention) was
-- pruned by its occurred_at in the round that positioned it, before any change-feed reader could read it. Events
-- positioned before this version count from when they occurred, as they did. NULL while unpositioned.
ALTER TABLE event_outbox ADD COLUMN positioned_at timestamptz;
UPDATE event_outbox SET positioned_at = occurred_at WHERE position > 0;
-- Pruning by age since positioning (ix_event_outbox_occurred served pruning by occurred_at).
CREATE INDEX ix_event_outbox_positioned ON event_outbox (positioned_at);
DROP INDEX ix_event_outbox_occurred;
