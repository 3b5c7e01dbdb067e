package io.loyaltyengine.rewards;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.participant.ParticipantRef;
import java.util.List;

/**
 * Campaign rewards, loyalty actions and earned rewards of one tenant. Thread-safe (see
 * {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <h2>Unlocking</h2>
 * Each recorded action raises the participant's count toward its reward by one, atomically in the database; the
 * action whose count reaches a multiple of {@code conversionsRequired} unlocks that cycle, so under any concurrency
 * each cycle unlocks exactly once (and never past the limit). Unlocking marks the participant a winner, writes a
 * {@code reward.reached} event, and in an AUTO campaign approves the reward at once.
 *
 * <h2>Earned rewards</h2>
 * PENDING -> APPROVED (optionally fulfilled in the same call) -> FULFILLED; remove only while PENDING. Approval gives
 * the reward: POINTS are credited to the ledger (entry type {@code reward}, idempotency key
 * {@code reward:<earned reward id>}), a COUPON takes the next free code of the campaign's pool (or waits,
 * with a reason and an event, until codes are uploaded), CUSTOM_MESSAGE and CASH are recorded, CUSTOM is handed to
 * the host's {@link FulfilmentHandler} after commit. Every move is a conditional update; any other move is
 * {@link io.loyaltyengine.ErrorCode#INVALID_TRANSITION} and changes nothing.
 */
public interface Rewards {
  /**
   * Defines a reward of a campaign.
   *
   * @param campaignId the campaign
   * @param reward the new reward
   * @return the defined reward
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND for another tenant's campaign
   */
  CampaignReward define(long campaignId, NewCampaignReward reward);

  /**
   * Reads a campaign reward.
   *
   * @param campaignRewardId the reward's id
   * @return the reward
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CampaignReward get(long campaignRewardId);

  /**
   * A campaign's rewards, oldest first.
   *
   * @param campaignId the campaign
   * @return the campaign's rewards
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for a campaign that is not the tenant's
   */
  List<CampaignReward> list(long campaignId);

  /**
   * Sets how a campaign handles rewards.
   *
   * @param campaignId the campaign
   * @param automation whether earned rewards are approved at once
   * @param couponLowStockThreshold when a coupon pool counts as low on stock (see {@link RewardProgram}),
   *     0..1,000,000; 0 for no low-stock event
   * @return the program as stored
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming {@code automation} (null) or
   *     {@code couponLowStockThreshold} (out of bounds); NOT_FOUND
   */
  RewardProgram configure(long campaignId, Automation automation, int couponLowStockThreshold);

  /**
   * How a campaign handles rewards (AUTO, threshold 0 when never configured).
   *
   * @param campaignId the campaign
   * @return the campaign's program
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for a campaign that is not the tenant's
   */
  RewardProgram program(long campaignId);

  /**
   * Records a loyalty action and unlocks what it reaches.
   *
   * @param action the action
   * @return what the action unlocked
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field (on {@code campaignRewardId} also
   *     for a POINTS reward approved at once whose points would take the participant's balance or lifetime points
   *     past {@code Long.MAX_VALUE}, and on {@code invited} for a two-way POINTS reward approved at once whose points
   *     would take the invited participant's past it: nothing changes); NOT_FOUND (the reward, a participant
   *     named by id that is not of the reward's campaign, an unknown email when enrolment is off, an unknown invited
   *     participant); CONFLICT on {@code idempotencyKey} reused for another participant, reward, source or invited
   *     participant (only those are compared: a retry's metadata is not, and the first request's stands). With a key
   *     already used, a participant or invited participant the request cannot name is still NOT_FOUND, and an
   *     invited participant that is the participant itself or named by an email of another campaign still
   *     VALIDATION_ERROR on {@code invited}, before CONFLICT: those refusals tell the caller nothing of the key
   */
  ActionResult recordAction(LoyaltyAction action);

  /**
   * A participant's counts toward one reward and overall, read at one point in time: an action committing meanwhile
   * is in all of them or in none.
   *
   * @param participant the participant
   * @param campaignRewardId the reward's id
   * @return the counts
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (null) or {@code email} (a
   *     malformed one); NOT_FOUND for the participant or the reward
   */
  ActionCounts counts(ParticipantRef participant, long campaignRewardId);

  /**
   * A participant's standing: actions (all time, this month and last month), unapproved and unfulfilled rewards,
   * whether a winner, all read at one point in time.
   *
   * @param participant the participant
   * @return the participant's summary
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (null) or {@code email} (a
   *     malformed one); NOT_FOUND for the participant
   */
  ParticipantRewardSummary summary(ParticipantRef participant);

  /**
   * A campaign's totals.
   *
   * @param campaignId the campaign
   * @return the campaign's totals
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CampaignTotals totals(long campaignId);

  /**
   * A participant's earned rewards, newest first, a keyset page at a time.
   *
   * @param participant the participant
   * @param page which page
   * @return the page of earned rewards
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (null), {@code email} or
   *     {@code page} (null); NOT_FOUND
   */
  CursorPage<EarnedReward> earned(ParticipantRef participant, Keyset page);

  /**
   * A campaign's earned rewards in earning order (earned reward id ascending), a keyset page at a time: all, or those
   * in one status (PENDING for an approval queue in a MANUAL campaign). A reward that moves between two pages is
   * listed where its status is when each page is read. A deleted participant's rewards are gone with it.
   *
   * @param campaignId the campaign
   * @param status the status to list, or null for all
   * @param page which page
   * @return the page of earned rewards
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for a campaign that is not the tenant's; VALIDATION_ERROR
   *     on {@code page}
   */
  CursorPage<EarnedReward> earned(long campaignId, EarnedRewardStatus status, Keyset page);

  /**
   * Reads an earned reward.
   *
   * @param earnedRewardId the earned reward's id
   * @return the earned reward
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  EarnedReward getEarned(long earnedRewardId);

  /**
   * Approves a PENDING reward, giving it (see the class description); with {@code fulfil}, also fulfils it, in the
   * same unit of work: both happen or neither. A CUSTOM reward approved with {@code fulfil} is taken as fulfilled by
   * the caller, and its handler is not called.
   *
   * @param earnedRewardId the earned reward's id
   * @param fulfil whether to fulfil it too
   * @return the reward as approved
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; INVALID_TRANSITION on {@code status} unless PENDING, and
   *     with {@code fulfil} for a COUPON reward the pool has no code for (it stays PENDING, nothing changes);
   *     CONFLICT on {@code earnedRewardId} for a POINTS reward whose ledger key ({@code reward:<id>}) a points change
   *     of the host's took (it stays PENDING, nothing changes: crediting nothing would lose the points);
   *     VALIDATION_ERROR on {@code earnedRewardId} for a POINTS reward whose points would take the participant's
   *     balance or lifetime points past {@code Long.MAX_VALUE} (it stays PENDING, nothing changes)
   */
  EarnedReward approve(long earnedRewardId, boolean fulfil);

  /**
   * Marks an APPROVED reward FULFILLED.
   *
   * @param earnedRewardId the earned reward's id
   * @return the fulfilled reward
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; INVALID_TRANSITION on {@code status} unless APPROVED, and
   *     for an APPROVED COUPON reward still waiting for a code
   */
  EarnedReward fulfil(long earnedRewardId);

  /**
   * Withdraws a PENDING reward.
   *
   * @param earnedRewardId the earned reward's id
   * @return the removed reward
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; INVALID_TRANSITION on {@code status} unless PENDING
   */
  EarnedReward remove(long earnedRewardId);

  /**
   * Marks an earned reward read.
   *
   * @param earnedRewardId the earned reward's id
   * @return the reward, read
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  EarnedReward markRead(long earnedRewardId);
}
