package io.loyaltyengine.coupons;

import java.time.Instant;

/**
 * A code of a pool and the earned reward it went to. Immutable.
 *
 * @param id the code's id in the pool (the keyset cursor; codes are numbered in upload order)
 * @param code the code
 * @param earnedRewardId the reward it was assigned to
 * @param participantId that reward's participant
 * @param assignedAt when
 */
public record AssignedCoupon(long id, String code, long earnedRewardId, long participantId, Instant assignedAt) {
  @Override
  public String toString() {
    return "AssignedCoupon[id=" + id + ", earnedRewardId=" + earnedRewardId + ", participantId=" + participantId + "]";
  }
}
