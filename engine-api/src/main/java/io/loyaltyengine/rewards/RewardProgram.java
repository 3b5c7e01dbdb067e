package io.loyaltyengine.rewards;

/**
 * How a campaign handles its rewards. Immutable. A campaign that was never configured is AUTO with a low-stock
 * threshold of 0 (no low-stock event).
 *
 * @param campaignId the campaign
 * @param automation whether earned rewards are approved at once
 * @param couponLowStockThreshold when an assignment leaves this many free codes, a low-stock event is written
 */
public record RewardProgram(long campaignId, Automation automation, int couponLowStockThreshold) {
}
