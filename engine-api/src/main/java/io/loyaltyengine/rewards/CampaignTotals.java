package io.loyaltyengine.rewards;

/**
 * A campaign's totals. Immutable.
 *
 * @param participants enrolled participants
 * @param loyaltyActions recorded loyalty actions
 * @param winners participants who earned at least one reward that was not removed
 */
public record CampaignTotals(long participants, long loyaltyActions, long winners) {
}
