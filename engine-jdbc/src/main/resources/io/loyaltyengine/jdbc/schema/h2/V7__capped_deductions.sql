-- Loyalty engine schema, version 7 (H2): capped deductions. Idempotent (IF NOT EXISTS): H2 commits DDL statement by
-- statement, and a run that died half-way is completed by the next.
--
-- A deduction capped at the balance (Points.deductUpToBalance) writes a DEDUCT entry of what it took, like a plain
-- deduction. Its entry now also records the amount it asked for, so that a reused idempotency key tells the two
-- apart (a plain deduction with a capped one's key, or the reverse, is a conflict) and a capped one replays only for
-- the amount it asked for. NULL for awards and plain deductions; the entries written before this version have NULL
-- and count as plain deductions.
ALTER TABLE ledger_entry ADD COLUMN IF NOT EXISTS requested_amount BIGINT;
