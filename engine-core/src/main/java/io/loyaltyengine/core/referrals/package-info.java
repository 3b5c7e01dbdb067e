/**
 * Referrals: {@link io.loyaltyengine.core.referrals.ReferralService} (codes, signups and chains, tracking,
 * conversions, stats), the three code forms ({@link io.loyaltyengine.core.referrals.LegacyCodes},
 * {@link io.loyaltyengine.core.referrals.SignedCodes}, {@link io.loyaltyengine.core.referrals.ShortCodes}), the
 * engine's cache of signing keys ({@link io.loyaltyengine.core.referrals.SigningKeys}), input rules
 * ({@link io.loyaltyengine.core.referrals.ReferralRules}) and event payloads
 * ({@link io.loyaltyengine.core.referrals.ReferralJson}).
 */
package io.loyaltyengine.core.referrals;
