package io.loyaltyengine.catalog;

import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.RewardType;
import java.util.List;

/**
 * Catalog rewards of one tenant's campaigns, and their redemption with points. Thread-safe (see
 * {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <p>A redemption deducts the points and takes one unit of stock in one transaction, each by a conditional update;
 * INSUFFICIENT_POINTS or OUT_OF_STOCK leave both untouched. With an idempotency key a retry returns the first
 * redemption and changes nothing.
 */
public interface Catalog {
  /**
   * Adds a reward to a campaign's catalog.
   *
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND for the campaign
   */
  CatalogReward create(NewCatalogReward reward);

  /**
   * Reads a catalog reward.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CatalogReward get(long catalogRewardId);

  /**
   * A campaign's catalog, oldest first, optionally only active (or inactive) ones and one type.
   *
   * @param active true, false, or null for both
   * @param type one type, or null for all
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign
   */
  List<CatalogReward> list(long campaignId, Boolean active, RewardType type);

  /**
   * Activates or deactivates a catalog reward.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CatalogReward setActive(long catalogRewardId, boolean active);

  /**
   * Redeems a catalog reward for a participant of its campaign.
   *
   * @param idempotencyKey the caller's key (1..128 printable ASCII), or null
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; VALIDATION_ERROR; INSUFFICIENT_POINTS; OUT_OF_STOCK;
   *     CONFLICT when the reward is inactive or the key was used by another request
   */
  Redemption redeem(ParticipantRef participant, long catalogRewardId, String idempotencyKey);
}
