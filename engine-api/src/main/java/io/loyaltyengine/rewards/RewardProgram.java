package io.loyaltyengine.rewards;

/**
 * How a campaign handles its rewards. Immutable. A campaign that was never configured is AUTO with a low-stock
 * threshold of 0 (no low-stock event).
 *
 * @param campaignId the campaign
 * @param automation whether earned rewards are approved at once
 * @param couponLowStockThreshold the assignment of the code this many codes follow in the pool writes a low-stock
 *     event (codes go out in pool order, so this many are left once the assignments before it commit); in a pool
 *     whose first code is followed by fewer, the assignment of that first code does
 */
public record RewardProgram(long campaignId, Automation automation, int couponLowStockThreshold) {
}
