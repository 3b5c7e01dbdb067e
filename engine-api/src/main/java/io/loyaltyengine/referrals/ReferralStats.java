package io.loyaltyengine.referrals;

import java.math.BigDecimal;

/**
 * Referral counts of a participant or a campaign. Immutable. Each count moves in the same transaction as the event
 * it stands for, so stats always agree with the change feed.
 *
 * @param impressions IMPRESSION tracks
 * @param shares SHARE tracks
 * @param clicks VISIT tracks
 * @param uniqueVisitors distinct visitor ids among the VISIT tracks (per referrer)
 * @param signups referrals recorded (whatever their status)
 * @param conversions conversions tracked
 * @param reversals conversions reversed
 * @param revenue order value of conversions not reversed
 */
public record ReferralStats(long impressions, long shares, long clicks, long uniqueVisitors, long signups,
    long conversions, long reversals, BigDecimal revenue) {
  /** All zero. */
  public static final ReferralStats ZERO = new ReferralStats(0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO);

  /** The sum of these stats and {@code other}. */
  public ReferralStats plus(ReferralStats other) {
    return new ReferralStats(impressions + other.impressions, shares + other.shares, clicks + other.clicks,
        uniqueVisitors + other.uniqueVisitors, signups + other.signups, conversions + other.conversions,
        reversals + other.reversals, revenue.add(other.revenue));
  }

  /** Equal counts, and revenues equal in value whatever their scale. */
  public boolean sameAs(ReferralStats other) {
    return impressions == other.impressions && shares == other.shares && clicks == other.clicks
        && uniqueVisitors == other.uniqueVisitors && signups == other.signups && conversions == other.conversions
        && reversals == other.reversals && revenue.compareTo(other.revenue) == 0;
  }
}
