package io.loyaltyengine.referrals;

import io.loyaltyengine.rewards.EarnedReward;
import java.util.List;

/**
 * The outcome of tracking. Immutable.
 *
 * @param referrerId the code's participant
 * @param kind what was tracked
 * @param uniqueVisitor for VISIT: whether this visitor was new to the code's participant
 * @param counted whether it counted toward the referrer's goal (a new visitor, goal VISIT, a referrer reward)
 * @param unlocked rewards it unlocked
 */
public record TrackResult(long referrerId, TrackKind kind, boolean uniqueVisitor, boolean counted,
    List<EarnedReward> unlocked) {
  /**
   * Copies {@code unlocked}.
   *
   * @param referrerId the code's participant
   * @param kind what was tracked
   * @param uniqueVisitor for VISIT: whether this visitor was new to the code's participant
   * @param counted whether it counted toward the referrer's goal (a new visitor, goal VISIT, a referrer reward)
   * @param unlocked rewards it unlocked
   */
  public TrackResult {
    unlocked = List.copyOf(unlocked);
  }
}
