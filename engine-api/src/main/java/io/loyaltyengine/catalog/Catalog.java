package io.loyaltyengine.catalog;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.RewardType;
import java.util.List;

/**
 * Catalog rewards of one tenant's campaigns, and their redemption with points. Thread-safe (see
 * {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <p>A redemption deducts the points and takes one unit of stock in one transaction, each by a conditional update;
 * INSUFFICIENT_POINTS or OUT_OF_STOCK leave both untouched. With an idempotency key a retry returns the first
 * redemption and changes nothing. A host restocks or corrects a reward with {@link #adjustStock} (a conditional
 * update too, so it never loses a concurrent redemption's unit) and changes its name, description or cost with
 * {@link #update}; a redemption is charged the cost its reward has when its unit is taken, and keeps it.
 * Redemptions are read back by reward ({@link #redemptions(long, Keyset)}, what to ship) and by participant
 * ({@link #redemptions(ParticipantRef, Keyset)}, what an account page shows).
 */
public interface Catalog {
  /**
   * Adds a reward to a campaign's catalog.
   *
   * @param reward the new reward
   * @return the created reward
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND for the campaign
   */
  CatalogReward create(NewCatalogReward reward);

  /**
   * Reads a catalog reward.
   *
   * @param catalogRewardId the reward's id
   * @return the reward
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CatalogReward get(long catalogRewardId);

  /**
   * A campaign's catalog, oldest first, optionally only active (or inactive) ones and one type.
   *
   * @param campaignId the campaign
   * @param active true, false, or null for both
   * @param type one type, or null for all
   * @return the matching rewards
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign
   */
  List<CatalogReward> list(long campaignId, Boolean active, RewardType type);

  /**
   * Activates or deactivates a catalog reward.
   *
   * @param catalogRewardId the reward's id
   * @param active true to activate, false to deactivate
   * @return the reward as changed
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CatalogReward setActive(long catalogRewardId, boolean active);

  /**
   * Adds {@code delta} units to a catalog reward's stock, or removes them when negative, in one conditional update
   * of the stored stock: concurrent redemptions and adjustments all count. The stock stays within
   * 0..1,000,000,000; an adjustment that would leave it outside changes nothing. Inactive rewards can be adjusted.
   *
   * @param catalogRewardId the reward's id
   * @param delta the units to add (negative: to remove), non-zero, at most 1,000,000,000 either way
   * @return the reward as the adjustment left it
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; VALIDATION_ERROR on {@code delta} when it is zero or out
   *     of bounds, or would raise the stock above 1,000,000,000; OUT_OF_STOCK on {@code delta} when it removes more
   *     units than are left; CONFLICT on {@code stock} when the reward's stock is unlimited (null)
   */
  CatalogReward adjustStock(long catalogRewardId, long delta);

  /**
   * Replaces a catalog reward's name, description and cost. Redemptions already made keep the cost they were
   * charged; the type, stock and activity are unchanged.
   *
   * @param catalogRewardId the reward's id
   * @param update the new name, description and cost
   * @return the reward as the update left it
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name},
   *     {@code description} or {@code pointsCost} (as {@link NewCatalogReward}'s); NOT_FOUND
   */
  CatalogReward update(long catalogRewardId, CatalogRewardUpdate update);

  /**
   * Redeems a catalog reward for a participant of its campaign.
   *
   * @param participant who redeems
   * @param catalogRewardId the reward's id
   * @param idempotencyKey the caller's key (1..128 printable ASCII characters without spaces), or null
   * @return the redemption
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND (also for a participant of another campaign than the
   *     reward's); VALIDATION_ERROR on {@code participant} (null), {@code email} or {@code idempotencyKey};
   *     INSUFFICIENT_POINTS on {@code amount} (the ledger's: the cost to deduct); OUT_OF_STOCK on
   *     {@code catalogRewardId}; CONFLICT on {@code catalogRewardId} when the reward is inactive, on
   *     {@code idempotencyKey} when the key was used by another request
   */
  Redemption redeem(ParticipantRef participant, long catalogRewardId, String idempotencyKey);

  /**
   * A catalog reward's redemptions in redemption order (redemption id ascending), a keyset page at a time: what a
   * host ships or hands over. A redemption is never changed nor removed, also when its participant is deleted (its
   * {@code participantId} then names nobody). Each reads back as {@link Redemption#replayed()} false.
   *
   * @param catalogRewardId the reward's id
   * @param page which page
   * @return the page of redemptions
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for a reward that is not the tenant's; VALIDATION_ERROR on
   *     {@code page}
   */
  CursorPage<Redemption> redemptions(long catalogRewardId, Keyset page);

  /**
   * A participant's redemptions, of every catalog reward, newest first (redemption id descending), a keyset page at
   * a time: what an account page shows. Each reads back as {@link Redemption#replayed()} false.
   *
   * @param participant the participant
   * @param page which page
   * @return the page of redemptions
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (null), {@code email} or
   *     {@code page}; NOT_FOUND for a participant that is not the tenant's (a deleted one too)
   */
  CursorPage<Redemption> redemptions(ParticipantRef participant, Keyset page);
}
