package io.loyaltyengine.referrals;

/**
 * The outcome of reversing a conversion. Immutable.
 *
 * <p>Policy: the conversion's points come back off the referrer's ledger as a deduction, but never below a zero
 * balance; what the balance could not cover is the {@code shortfall}, reported here and in the event, not carried as
 * debt.
 *
 * <p>A REJECTED conversion (a self-referral) earned nothing, so it has nothing to take back: reversing it answers
 * it as it is, REJECTED, with 0 and 0, and changes nothing.
 *
 * @param conversion the conversion, now REVERSED (or REJECTED, as it was)
 * @param pointsReversed points taken back
 * @param shortfall points that could not be taken back ({@code points - pointsReversed})
 * @param replayed whether nothing changed now: it was reversed before, or it is REJECTED
 */
public record ReversalResult(Conversion conversion, long pointsReversed, long shortfall, boolean replayed) {
}
