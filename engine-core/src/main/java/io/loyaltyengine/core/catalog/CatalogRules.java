package io.loyaltyengine.core.catalog;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.core.validation.TextRules;

/**
 * The pure rules of the catalog: which new catalog rewards and which redemption keys are valid.
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
    String name = TextRules.required("name", reward.name(), MAX_NAME_LENGTH);
    String description = TextRules.optional("description", reward.description(), MAX_DESCRIPTION_LENGTH);
    long cost = reward.pointsCost();
    if (cost < 1 || cost > limits.maxPointsPerOperation()) {
      throw LoyaltyException.validation("pointsCost",
          "pointsCost must be between 1 and " + limits.maxPointsPerOperation());
    }
    TextRules.notNull("type", reward.type());
    Long stock = reward.stock();
    if (stock != null && (stock < 0 || stock > MAX_STOCK)) {
      throw LoyaltyException.validation("stock", "stock must be between 0 and " + MAX_STOCK + ", or null");
    }
    return new NewCatalogReward(reward.campaignId(), name, description, cost, reward.type(), stock,
        reward.active());
  }

}
