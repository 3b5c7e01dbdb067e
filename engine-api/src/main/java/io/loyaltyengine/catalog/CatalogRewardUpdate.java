package io.loyaltyengine.catalog;

import io.loyaltyengine.LoyaltyException;

/**
 * New presentation and price of a catalog reward, replacing all three: {@code name} 1..200, {@code description} null
 * (none) or 1..2,000 (blank is refused), {@code pointsCost} 1..the engine's points limit, the rules of
 * {@link NewCatalogReward}.
 * The type never changes; the stock changes by {@link Catalog#adjustStock} and the activity by
 * {@link Catalog#setActive}. A redemption already made keeps the cost it was charged. Immutable.
 *
 * <pre>{@code
 * catalog.update(tin.id(), CatalogRewardUpdate.of(tin).withPointsCost(450));   // only the price changes
 * }</pre>
 *
 * @param name display name
 * @param description free text, or null for none
 * @param pointsCost points one redemption costs from now on
 */
public record CatalogRewardUpdate(String name, String description, long pointsCost) {

  /**
   * The current name, description and cost of {@code reward}, to change some of them.
   *
   * @param reward the reward to change
   * @return an update that changes nothing yet
   * @throws LoyaltyException VALIDATION_ERROR on field {@code reward} if it is null
   */
  public static CatalogRewardUpdate of(CatalogReward reward) {
    if (reward == null) {
      throw LoyaltyException.validation("reward", "reward is required");
    }
    return new CatalogRewardUpdate(reward.name(), reward.description(), reward.pointsCost());
  }

  /**
   * This update with another name.
   *
   * @param text the new name
   * @return a new update
   */
  public CatalogRewardUpdate withName(String text) {
    return new CatalogRewardUpdate(text, description, pointsCost);
  }

  /**
   * This update with another description, or null for none.
   *
   * @param text the new description, or null
   * @return a new update
   */
  public CatalogRewardUpdate withDescription(String text) {
    return new CatalogRewardUpdate(name, text, pointsCost);
  }

  /**
   * This update with another cost.
   *
   * @param points the new cost in points
   * @return a new update
   */
  public CatalogRewardUpdate withPointsCost(long points) {
    return new CatalogRewardUpdate(name, description, points);
  }
}
