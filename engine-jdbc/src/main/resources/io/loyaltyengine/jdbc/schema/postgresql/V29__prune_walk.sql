-- Loyalty engine schema, version 29 (PostgreSQL): pruning walks the events in an index of its whole order, replacing
-- V16's. The migrator runs this script in one transaction.
--
-- Each transaction of pruning examines the next events after the last one the walk examined, by (positioned_at,
-- tenant_id, event_id): a row comparison that is a range of this index, in its order. Filtering the prunable events
-- in the statement read, at every transaction, each event held by an undelivered delivery before them (an endpoint
-- down for days). Pruning spans tenants (the dispatcher's), so the index does not lead with tenant_id; it replaces
-- V16's index of positioned_at, whose column it leads with, at the same number of entries.
CREATE INDEX ix_event_outbox_pruning ON event_outbox (positioned_at, tenant_id, event_id);
DROP INDEX ix_event_outbox_positioned;
