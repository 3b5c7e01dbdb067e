package io.loyaltyengine.catalog;

import io.loyaltyengine.rewards.RewardType;

/**
 * A request to add a reward to a campaign's catalog. {@code name} 1..200 characters, {@code description} null (none)
 * or 1..2,000 (both stripped, without control characters, except that the description may span lines with tab, CR
 * and LF; a blank description is refused, not taken for none),
 * {@code pointsCost} 1..the engine's points limit, {@code stock} 0..1,000,000,000 or null (unlimited). Immutable.
 *
 * @param campaignId the campaign
 * @param name display name
 * @param description free text, or null
 * @param pointsCost points one redemption costs
 * @param type what it gives
 * @param stock units available, or null for unlimited
 * @param active whether it can be redeemed from the start
 */
public record NewCatalogReward(long campaignId, String name, String description, long pointsCost, RewardType type,
    Long stock, boolean active) {

  /**
   * An active reward with unlimited stock.
   *
   * @param campaignId the campaign
   * @param name the reward's name
   * @param pointsCost points one redemption costs
   * @param type what it gives
   * @return the reward
   */
  public static NewCatalogReward of(long campaignId, String name, long pointsCost, RewardType type) {
    return new NewCatalogReward(campaignId, name, null, pointsCost, type, null, true);
  }

  /**
   * This reward with a limited stock.
   *
   * @param units the units in stock
   * @return a new reward
   */
  public NewCatalogReward withStock(long units) {
    return new NewCatalogReward(campaignId, name, description, pointsCost, type, units, active);
  }

  /**
   * This reward with a description.
   *
   * @param text the description
   * @return a new reward
   */
  public NewCatalogReward withDescription(String text) {
    return new NewCatalogReward(campaignId, name, text, pointsCost, type, stock, active);
  }
}
