package io.loyaltyengine.core.catalog;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.core.validation.TextRules;

/**
 * The pure rules of the catalog: which new catalog rewards, updates and stock adjustments are valid.
 *
 * <p>Thread-safe: stateless.
 */
final class CatalogRules {
  /** Longest {@code name}. */
  static final int MAX_NAME_LENGTH = 200;
  /** Longest {@code description}. */
  static final int MAX_DESCRIPTION_LENGTH = 2_000;
  /** Largest {@code stock}. */
  static final long MAX_STOCK = 1_000_000_000L;

  private CatalogRules() {
  }

  /**
   * Validates a new catalog reward.
   *
   * @return the request with its name and description stripped
   * @throws LoyaltyException VALIDATION_ERROR naming {@code reward}, {@code name}, {@code description},
   *     {@code pointsCost}, {@code type} or {@code stock}
   */
  static NewCatalogReward validate(NewCatalogReward reward, EngineLimits limits) {
    TextRules.notNull("reward", reward);
    CatalogRewardUpdate shown = presentation(reward.name(), reward.description(), reward.pointsCost(), limits);
    TextRules.notNull("type", reward.type());
    Long stock = reward.stock();
    if (stock != null && (stock < 0 || stock > MAX_STOCK)) {
      throw LoyaltyException.validation("stock", "stock must be between 0 and " + MAX_STOCK + ", or null");
    }
    return new NewCatalogReward(reward.campaignId(), shown.name(), shown.description(), shown.pointsCost(),
        reward.type(), stock, reward.active());
  }

  /**
   * Validates an update, with the rules of {@link #validate(NewCatalogReward, EngineLimits)} for its fields.
   *
   * @return the update with its name and description stripped
   * @throws LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name}, {@code description} or
   *     {@code pointsCost}
   */
  static CatalogRewardUpdate validate(CatalogRewardUpdate update, EngineLimits limits) {
    TextRules.notNull("update", update);
    return presentation(update.name(), update.description(), update.pointsCost(), limits);
  }

  /**
   * Validates a stock adjustment's units: non-zero, and no more than {@link #MAX_STOCK} either way (no stock could
   * take more). Whether the stock it leaves stays within bounds is the store's conditional update's to say.
   *
   * @throws LoyaltyException VALIDATION_ERROR naming {@code delta}
   */
  static long delta(long delta) {
    if (delta == 0 || delta < -MAX_STOCK || delta > MAX_STOCK) {
      throw LoyaltyException.validation("delta",
          "delta must be between -" + MAX_STOCK + " and " + MAX_STOCK + ", and not 0");
    }
    return delta;
  }

  /** The fields a new reward and an update share, validated in the order they are named. */
  private static CatalogRewardUpdate presentation(String rawName, String rawDescription, long cost,
      EngineLimits limits) {
    String name = TextRules.required("name", rawName, MAX_NAME_LENGTH);
    String description = TextRules.optionalLines("description", rawDescription, MAX_DESCRIPTION_LENGTH);
    if (cost < 1 || cost > limits.maxPointsPerOperation()) {
      throw LoyaltyException.validation("pointsCost",
          "pointsCost must be between 1 and " + limits.maxPointsPerOperation());
    }
    return new CatalogRewardUpdate(name, description, cost);
  }
}
