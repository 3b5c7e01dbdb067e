package io.loyaltyengine.core.spi;

import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Earned rewards. Moves between statuses are compare-and-set on the status, so two concurrent moves of one reward
 * cannot both succeed.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface EarnedRewardPort {
  /**
   * Inserts an earned reward unless the participant already has that reward's cycle (insert-if-absent on
   * (tenant, participant, campaign reward, cycle); never an error, so it cannot abort the unit of work).
   *
   * @param actionId the action that unlocked it (0 for none)
   * @return whether it was inserted
   */
  boolean insertIfAbsent(EarnedReward reward, long actionId);

  /** Finds an earned reward of the tenant. */
  Optional<EarnedReward> find(long tenantId, long earnedRewardId);

  /** The rewards an action unlocked, in id order. */
  List<EarnedReward> unlockedBy(long tenantId, long actionId);

  /** A participant's earned rewards with id below {@code beforeId} (all when null), newest first, at most {@code limit}. */
  List<EarnedReward> listForParticipant(long tenantId, long participantId, Long beforeId, int limit);

  /**
   * A campaign's earned rewards in id order after {@code afterId} (null: from the first), at most {@code limit}, in
   * one status or (null) all.
   */
  List<EarnedReward> listForCampaign(long tenantId, long campaignId, EarnedRewardStatus status, Long afterId,
      int limit);

  /**
   * Moves a reward from {@code from} to {@code to} if and only if it is in {@code from} now; sets {@code approvedAt}
   * when moving to APPROVED and {@code fulfilledAt} when moving to FULFILLED.
   *
   * @return the reward as stored after the move (as {@link #find} would read it), or empty if it did not move
   */
  Optional<EarnedReward> transition(long tenantId, long earnedRewardId, EarnedRewardStatus from,
      EarnedRewardStatus to, Instant at);

  /**
   * Records the coupon code given to a reward (clearing its waiting reason), or the reason it waits (code null).
   *
   * @return the reward as stored after the change (as {@link #find} would read it), or empty if it does not exist
   */
  Optional<EarnedReward> setCoupon(long tenantId, long earnedRewardId, String couponCode, String waitingReason);

  /** Marks a reward read. Returns whether it exists. */
  boolean markRead(long tenantId, long earnedRewardId);

  /** How many of a participant's rewards are in {@code status}. */
  long countByStatus(long tenantId, long participantId, EarnedRewardStatus status);

  /** Whether the participant has an earned reward that was not removed. */
  boolean isWinner(long tenantId, long participantId);

  /** Participants of a campaign with an earned reward that was not removed. */
  long winners(long tenantId, long campaignId);

  /** APPROVED COUPON rewards of a campaign still waiting for a code, oldest first, at most {@code limit}. */
  List<EarnedReward> waitingForCoupon(long tenantId, long campaignId, int limit);

  /** Deletes a participant's earned rewards. */
  void deleteAll(long tenantId, long participantId);
}
