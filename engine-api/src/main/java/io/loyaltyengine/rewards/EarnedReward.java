package io.loyaltyengine.rewards;

import java.time.Instant;

/**
 * A reward a participant earned: one unlock of a campaign reward. Immutable.
 *
 * @param id the earned reward's id
 * @param tenantId the owning tenant
 * @param campaignId the campaign
 * @param participantId who earned it
 * @param campaignRewardId which reward
 * @param cycle which unlock of that reward (1, 2, ...)
 * @param type what it gives
 * @param status where it is in its life
 * @param unread whether the participant has not seen it yet
 * @param points points credited (POINTS), else 0
 * @param couponCode the assigned code (COUPON, once assigned), else null
 * @param message the message (CUSTOM_MESSAGE), else null
 * @param cashAmountMinor the amount (CASH), else 0
 * @param currency the currency (CASH), else null
 * @param waitingReason why an approved reward is not complete yet (for example the coupon pool is empty), or null
 * @param earnedAt when it was earned
 * @param approvedAt when it was approved, or null
 * @param fulfilledAt when it was fulfilled, or null
 */
public record EarnedReward(long id, long tenantId, long campaignId, long participantId, long campaignRewardId,
    int cycle, RewardType type, EarnedRewardStatus status, boolean unread, long points, String couponCode,
    String message, long cashAmountMinor, String currency, String waitingReason, Instant earnedAt,
    Instant approvedAt, Instant fulfilledAt) {

  @Override
  public String toString() {
    // The coupon code is a bearer secret.
    return "EarnedReward[id=" + id + ", participantId=" + participantId + ", campaignRewardId=" + campaignRewardId
        + ", cycle=" + cycle + ", type=" + type + ", status=" + status + "]";
  }
}
