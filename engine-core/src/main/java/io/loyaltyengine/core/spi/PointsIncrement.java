package io.loyaltyengine.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Awarded points to add to one points counter ({@link LeaderboardPort#addPointsAll}). Immutable.
 *
 * @param tenantId the tenant
 * @param campaignId the participant's campaign
 * @param participantId the participant
 * @param month 0 for all time, else {@code year * 100 + month} in the campaign's zone
 * @param points the points to add, not negative
 * @param at the time of the change
 */
public record PointsIncrement(long tenantId, long campaignId, long participantId, int month, long points,
    Instant at) {
  /**
   * Checks the points and the time.
   *
   * @throws IllegalArgumentException if {@code points} is negative
   */
  public PointsIncrement {
    if (points < 0) {
      throw new IllegalArgumentException("points must not be negative but was " + points);
    }
    Objects.requireNonNull(at, "at");
  }

  /**
   * This and {@code other}, an addition to the same counter (tenant, participant, month), as one: their points
   * summed, at the later time.
   */
  public PointsIncrement plus(PointsIncrement other) {
    if (tenantId != other.tenantId || participantId != other.participantId || month != other.month) {
      throw new IllegalArgumentException("not the same counter");
    }
    return new PointsIncrement(tenantId, campaignId, participantId, month, points + other.points,
        at.isAfter(other.at) ? at : other.at);
  }
}
