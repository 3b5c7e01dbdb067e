package io.loyaltyengine.core.spi;

import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.rewards.RewardType;
import java.util.List;
import java.util.Optional;

/**
 * Catalog rewards, their stock, and redemptions.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface CatalogPort {
  /** Inserts a catalog reward. */
  void insert(CatalogReward reward);

  /** Finds a catalog reward of the tenant. */
  Optional<CatalogReward> find(long tenantId, long catalogRewardId);

  /** A campaign's catalog in id order, filtered by active (null: both) and type (null: all). */
  List<CatalogReward> list(long tenantId, long campaignId, Boolean active, RewardType type);

  /** Sets whether a reward can be redeemed. Returns whether it exists. */
  boolean setActive(long tenantId, long catalogRewardId, boolean active);

  /**
   * Adds {@code delta} units to a reward's stock (negative: removes them): one conditional update that succeeds if
   * and only if the stock is not null (unlimited) and {@code stock + delta} is within {@code 0..maxStock}, checked
   * and written under the reward's row lock, so that concurrent takes and adjustments all count. The activity does
   * not matter.
   *
   * @param delta non-zero, and within {@code -maxStock..maxStock}
   * @param maxStock the largest stock allowed, at least 0
   * @return the reward as the update wrote it; empty if no row matched (no such reward, unlimited stock, or the
   *     bound refused), which the caller tells apart by reading the reward
   */
  Optional<CatalogReward> adjustStock(long tenantId, long catalogRewardId, long delta, long maxStock);

  /**
   * Replaces a reward's name, description and cost with the update's (already validated), leaving everything else.
   *
   * @return the reward as the update wrote it; empty if there is no such reward
   */
  Optional<CatalogReward> update(long tenantId, long catalogRewardId, CatalogRewardUpdate update);

  /**
   * Takes one unit of stock: one conditional update that succeeds if and only if the reward is active and its stock
   * is unlimited (null) or above zero.
   *
   * @return the reward as the update wrote it, so with the name and cost it has under the row lock (a change that
   *     committed while the update waited for the lock included); empty if no unit was taken
   */
  Optional<CatalogReward> takeStock(long tenantId, long catalogRewardId);

  /**
   * Inserts a redemption.
   *
   * @throws UniqueViolationException with {@link UniqueKey#REDEMPTION_IDEMPOTENCY_KEY} if the tenant has a
   *     redemption with the same idempotency key
   */
  void insertRedemption(Redemption redemption);

  /** Finds the tenant's redemption with this idempotency key. */
  Optional<Redemption> findRedemptionByKey(long tenantId, String idempotencyKey);

  /**
   * A catalog reward's redemptions in id order after {@code afterId} (null: from the first), at most {@code limit}.
   */
  List<Redemption> listRedemptionsOfReward(long tenantId, long catalogRewardId, Long afterId, int limit);

  /**
   * A participant's redemptions with id below {@code beforeId} (all when null), newest first, at most
   * {@code limit}.
   */
  List<Redemption> listRedemptionsOfParticipant(long tenantId, long participantId, Long beforeId, int limit);
}
