-- Loyalty engine schema, version 29 (H2): pruning walks the events in an index of its whole order, replacing V16's.
-- Idempotent (IF NOT EXISTS, IF EXISTS): H2 commits DDL statement by statement, and a run that died half-way is
-- completed by the next; the new index comes first, so pruning is never left without one.
--
-- Each transaction of pruning examines the next events after the last one the walk examined, by (positioned_at,
-- tenant_id, event_id). Filtering the prunable events in the statement read, at every transaction, each event held
-- by an undelivered delivery before them (an endpoint down for days), and every event not yet positioned, whose
-- NULL times come first (151,022 rows for a step of 1,000 behind 50,000 held and 100,000 unpositioned). An index of
-- positioned_at alone is keyed by H2's own row id after it, so the walk's order and its cursor's range need the
-- three columns. Pruning spans tenants (the dispatcher's), so the index does not lead with tenant_id; it replaces
-- V16's index of positioned_at, whose column it leads with, at the same number of entries.
CREATE INDEX IF NOT EXISTS ix_event_outbox_pruning ON event_outbox (positioned_at, tenant_id, event_id);
DROP INDEX IF EXISTS ix_event_outbox_positioned;
