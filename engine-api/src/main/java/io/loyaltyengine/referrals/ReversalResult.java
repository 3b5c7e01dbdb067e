package io.loyaltyengine.referrals;

/**
 * The outcome of reversing a conversion. Immutable.
 *
 * <p>Policy: the conversion's points come back off the referrer's ledger as a deduction, but never below a zero
 * balance; what the balance could not cover is the {@code shortfall}, reported here and in the event, not carried as
 * debt.
 *
 * @param conversion the conversion, now REVERSED
 * @param pointsReversed points taken back
 * @param shortfall points that could not be taken back ({@code points - pointsReversed})
 * @param replayed whether it was reversed before, so nothing changed now
 */
public record ReversalResult(Conversion conversion, long pointsReversed, long shortfall, boolean replayed) {
}
