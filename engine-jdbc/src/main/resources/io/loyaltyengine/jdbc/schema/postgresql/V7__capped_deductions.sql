-- Loyalty engine schema, version 7 (PostgreSQL): capped deductions. The migrator runs this script in one
-- transaction.
--
-- A deduction capped at the balance (Points.deductUpToBalance) writes a DEDUCT entry of what it took, like a plain
-- deduction. Its entry now also records the amount it asked for, so that a reused idempotency key tells the two
-- apart (a plain deduction with a capped one's key, or the reverse, is a conflict) and a capped one replays only for
-- the amount it asked for. NULL for awards and plain deductions; the entries written before this version have NULL
-- and count as plain deductions. A nullable column without a default is added to the catalog only: the table is
-- not rewritten, however long the ledger.
ALTER TABLE ledger_entry ADD COLUMN requested_amount bigint;
