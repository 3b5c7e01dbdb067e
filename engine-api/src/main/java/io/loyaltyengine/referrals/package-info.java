/**
 * Referrals: referral codes (legacy, signed, short), signups and referral chains, click and conversion tracking with
 * stats, two-way rewards through campaign rewards, and fraud screening of each new referral.
 */
package io.loyaltyengine.referrals;
