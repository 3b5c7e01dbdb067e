package io.loyaltyengine.points;

/**
 * The outcome of an award or deduction. Immutable.
 *
 * @param entry the ledger entry written (or, for a replay, the one written by the first request); {@code null}
 *     only for a {@link Points#deductUpToBalance} that found a zero balance and wrote nothing
 * @param balance the participant's balance right after the entry
 * @param replayed whether this is the stored result of an earlier request with the same idempotency key
 */
public record PointsResult(LedgerEntry entry, long balance, boolean replayed) {
}
