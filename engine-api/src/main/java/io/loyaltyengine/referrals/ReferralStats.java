package io.loyaltyengine.referrals;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * Referral counts of a participant or a campaign. Immutable, so safe to share between threads. Each count moves in
 * the same transaction as the event it stands for, so stats always agree with the change feed.
 *
 * <p>The revenue is kept in one form, without trailing zeros and with a scale of at least 0 ({@code 100}, not
 * {@code 100.0000} or {@code 1E+2}), whatever scale a store keeps it at, so that equal stats are {@code equals} on
 * every store.
 *
 * @param impressions IMPRESSION tracks
 * @param shares SHARE tracks
 * @param clicks VISIT tracks
 * @param uniqueVisitors distinct visitor ids among the VISIT tracks (per referrer)
 * @param signups referrals recorded (whatever their status)
 * @param conversions conversions tracked
 * @param reversals conversions reversed
 * @param revenue order value of conversions not reversed; never null (the constructor throws
 *     NullPointerException)
 */
public record ReferralStats(long impressions, long shares, long clicks, long uniqueVisitors, long signups,
    long conversions, long reversals, BigDecimal revenue) {
  /**
   * Keeps the revenue in its one form.
   *
   * @param impressions IMPRESSION tracks
   * @param shares SHARE tracks
   * @param clicks VISIT tracks
   * @param uniqueVisitors distinct visitor ids among the VISIT tracks (per referrer)
   * @param signups referrals recorded (whatever their status)
   * @param conversions conversions tracked
   * @param reversals conversions reversed
   * @param revenue order value of conversions not reversed; never null (the constructor throws NullPointerException)
   */
  public ReferralStats {
    BigDecimal stripped = Objects.requireNonNull(revenue, "revenue").stripTrailingZeros();
    revenue = stripped.scale() < 0 ? stripped.setScale(0, RoundingMode.UNNECESSARY) : stripped;
  }

  /** All zero. */
  public static final ReferralStats ZERO = new ReferralStats(0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO);

  /**
   * The sum of these stats and {@code other}.
   *
   * @param other the stats to add
   * @return the sum
   */
  public ReferralStats plus(ReferralStats other) {
    return new ReferralStats(impressions + other.impressions, shares + other.shares, clicks + other.clicks,
        uniqueVisitors + other.uniqueVisitors, signups + other.signups, conversions + other.conversions,
        reversals + other.reversals, revenue.add(other.revenue));
  }
}
