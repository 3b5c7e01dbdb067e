package io.loyaltyengine.rewards;

/**
 * A request to define a campaign reward. Start from a factory per type, then narrow:
 * {@code NewCampaignReward.points("Free coffee", 100, 10).withLimit(3)}. By default a reward is earned once
 * ({@code limit} 1) by the participant whose actions reach the goal. Immutable.
 *
 * <p>Validated by the engine: {@code name} 1..200; {@code conversionsRequired} 1..1,000,000; {@code limit} 1..1,000,000
 * or null (unlimited); POINTS 1..the engine's points limit; CUSTOM_MESSAGE 1..2,000 characters; CASH a positive amount
 * of minor units and an ISO 4217 currency code in upper case that the JVM knows ({@link java.util.Currency});
 * CUSTOM a handler name of 1..53
 * {@code a-z A-Z 0-9 _ - .} (its listener is {@code fulfilment.<handler>}, and listener names have at most 64).
 *
 * @param name display name
 * @param type what it gives
 * @param audience who earns it
 * @param conversionsRequired loyalty actions per unlock
 * @param limit unlocks per participant, or null for unlimited
 * @param points for POINTS
 * @param message for CUSTOM_MESSAGE
 * @param cashAmountMinor for CASH
 * @param currency for CASH
 * @param handler for CUSTOM
 */
public record NewCampaignReward(String name, RewardType type, RewardAudience audience, int conversionsRequired,
    Integer limit, long points, String message, long cashAmountMinor, String currency, String handler) {

  /**
   * Points credited to the ledger.
   *
   * @param name the reward's name
   * @param points points credited
   * @param conversionsRequired actions needed to earn it
   * @return the reward
   */
  public static NewCampaignReward points(String name, long points, int conversionsRequired) {
    return new NewCampaignReward(name, RewardType.POINTS, RewardAudience.PARTICIPANT, conversionsRequired, 1,
        points, null, 0, null, null);
  }

  /**
   * The next free code of the campaign's coupon pool.
   *
   * @param name the reward's name
   * @param conversionsRequired actions needed to earn it
   * @return the reward
   */
  public static NewCampaignReward coupon(String name, int conversionsRequired) {
    return new NewCampaignReward(name, RewardType.COUPON, RewardAudience.PARTICIPANT, conversionsRequired, 1, 0,
        null, 0, null, null);
  }

  /**
   * A message shown to the participant.
   *
   * @param name the reward's name
   * @param message the message shown
   * @param conversionsRequired actions needed to earn it
   * @return the reward
   */
  public static NewCampaignReward message(String name, String message, int conversionsRequired) {
    return new NewCampaignReward(name, RewardType.CUSTOM_MESSAGE, RewardAudience.PARTICIPANT, conversionsRequired,
        1, 0, message, 0, null, null);
  }

  /**
   * An amount of money in minor units (cents) of {@code currency}.
   *
   * @param name the reward's name
   * @param amountMinor the amount in minor units
   * @param currency the ISO 4217 currency code
   * @param conversionsRequired actions needed to earn it
   * @return the reward
   */
  public static NewCampaignReward cash(String name, long amountMinor, String currency, int conversionsRequired) {
    return new NewCampaignReward(name, RewardType.CASH, RewardAudience.PARTICIPANT, conversionsRequired, 1, 0, null,
        amountMinor, currency, null);
  }

  /**
   * Fulfilled by the host's handler registered under {@code handler}.
   *
   * @param name the reward's name
   * @param handler the fulfilment handler's name
   * @param conversionsRequired actions needed to earn it
   * @return the reward
   */
  public static NewCampaignReward custom(String name, String handler, int conversionsRequired) {
    return new NewCampaignReward(name, RewardType.CUSTOM, RewardAudience.PARTICIPANT, conversionsRequired, 1, 0,
        null, 0, null, handler);
  }

  /**
   * This reward, earned at most {@code limit} times per participant.
   *
   * @param limit the most times per participant
   * @return a new reward
   */
  public NewCampaignReward withLimit(int limit) {
    return new NewCampaignReward(name, type, audience, conversionsRequired, limit, points, message, cashAmountMinor,
        currency, handler);
  }

  /**
   * This reward, earned again every {@code conversionsRequired} actions without end.
   *
   * @return a new reward
   */
  public NewCampaignReward unlimited() {
    return new NewCampaignReward(name, type, audience, conversionsRequired, null, points, message, cashAmountMinor,
        currency, handler);
  }

  /**
   * This reward for the invited participant of a referral that counts (two-way rewards); earned once each.
   *
   * @return a new reward
   */
  public NewCampaignReward forInvited() {
    return new NewCampaignReward(name, type, RewardAudience.INVITED, 1, 1, points, message, cashAmountMinor,
        currency, handler);
  }
}
