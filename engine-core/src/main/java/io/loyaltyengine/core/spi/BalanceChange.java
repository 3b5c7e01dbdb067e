package io.loyaltyengine.core.spi;

/**
 * The row of a participant after a balance change.
 *
 * @param campaignId the participant's campaign
 * @param balance the new balance
 * @param lifetimePoints the new lifetime points
 */
public record BalanceChange(long campaignId, long balance, long lifetimePoints) {
}
