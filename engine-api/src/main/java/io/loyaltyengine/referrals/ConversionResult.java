package io.loyaltyengine.referrals;

/**
 * The outcome of tracking a conversion. Immutable.
 *
 * @param conversion the conversion (the first one's, for a replay)
 * @param pointsAwarded points awarded to the referrer by it
 * @param replayed whether the order id was tracked before, so nothing changed now
 */
public record ConversionResult(Conversion conversion, long pointsAwarded, boolean replayed) {
}
