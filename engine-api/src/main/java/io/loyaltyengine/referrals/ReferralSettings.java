package io.loyaltyengine.referrals;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.fraud.RiskAction;
import java.time.Duration;

/**
 * How a campaign runs referrals. Immutable; start from {@link #defaults(long)} and narrow with the {@code with...}
 * methods. The engine validates on {@link Referrals#configure}.
 *
 * <p>A campaign never configured has the defaults: goal SIGNUP, legacy codes accepted, no referrer reward, no points
 * for conversions, MEDIUM risk counted, HIGH risk sent to review, velocity 10 signups per hour.
 *
 * @param campaignId the campaign
 * @param goal when a referral counts toward the referrer's reward
 * @param requireSignedCodes whether legacy (unsigned, forgeable) codes are refused
 * @param referrerRewardId the campaign reward a counted referral is a loyalty action toward (its
 *     {@code conversionsRequired} is the number of referrals needed, its limit once, N times or unlimited), or
 *     null for none; a PARTICIPANT reward of the campaign. With it, the campaign's INVITED rewards go to the invited
 *     participant of each counted referral (two-way rewards)
 * @param conversionPoints what a tracked conversion awards the referrer
 * @param onMediumRisk what a MEDIUM-risk referral does
 * @param onHighRisk what a HIGH-risk referral does
 * @param velocityLimit signups from one IP address or visitor id allowed within {@code velocityWindow} (those made
 *     at most that long before, one exactly that old included) before the next is HIGH risk, 1..10,000
 * @param velocityWindow the window of the velocity rule, 1 minute..7 days in whole seconds
 */
public record ReferralSettings(long campaignId, ReferralGoal goal, boolean requireSignedCodes, Long referrerRewardId,
    ConversionPoints conversionPoints, RiskAction onMediumRisk, RiskAction onHighRisk, int velocityLimit,
    Duration velocityWindow) {

  /**
   * The settings of a campaign never configured.
   *
   * @param campaignId the campaign
   * @return the default settings
   */
  public static ReferralSettings defaults(long campaignId) {
    return new ReferralSettings(campaignId, ReferralGoal.SIGNUP, false, null, ConversionPoints.NONE, RiskAction.COUNT,
        RiskAction.REVIEW, 10, Duration.ofHours(1));
  }

  /**
   * These settings with another goal.
   *
   * @param goal what counts as a referral
   * @return new settings
   */
  public ReferralSettings withGoal(ReferralGoal goal) {
    return new ReferralSettings(campaignId, goal, requireSignedCodes, referrerRewardId, conversionPoints,
        onMediumRisk, onHighRisk, velocityLimit, velocityWindow);
  }

  /**
   * These settings refusing (true) or accepting (false) legacy codes. Short codes stay accepted either way: the
   * campaign holds them, so they cannot be forged, but they can be guessed (a name and 2 to 6 digits), and a
   * participant has one from the first {@link Referrals#codes} for it. A guessed code names its owner as referrer,
   * so guessing gains the guesser nothing a code of their own would not.
   *
   * @param required whether legacy codes are refused
   * @return new settings
   */
  public ReferralSettings withSignedCodesRequired(boolean required) {
    return new ReferralSettings(campaignId, goal, required, referrerRewardId, conversionPoints, onMediumRisk,
        onHighRisk, velocityLimit, velocityWindow);
  }

  /**
   * These settings with a referrer reward (null for none).
   *
   * @param campaignRewardId the referrer's reward, or null
   * @return new settings
   */
  public ReferralSettings withReferrerReward(Long campaignRewardId) {
    return new ReferralSettings(campaignId, goal, requireSignedCodes, campaignRewardId, conversionPoints,
        onMediumRisk, onHighRisk, velocityLimit, velocityWindow);
  }

  /**
   * These settings with another conversion rule.
   *
   * @param points the points a conversion awards
   * @return new settings
   */
  public ReferralSettings withConversionPoints(ConversionPoints points) {
    return new ReferralSettings(campaignId, goal, requireSignedCodes, referrerRewardId, points, onMediumRisk,
        onHighRisk, velocityLimit, velocityWindow);
  }

  /**
   * These settings with other risk actions.
   *
   * @param onMedium what a MEDIUM-risk referral does
   * @param onHigh what a HIGH-risk referral does
   * @return new settings
   */
  public ReferralSettings withRiskActions(RiskAction onMedium, RiskAction onHigh) {
    return new ReferralSettings(campaignId, goal, requireSignedCodes, referrerRewardId, conversionPoints, onMedium,
        onHigh, velocityLimit, velocityWindow);
  }

  /**
   * These settings with another velocity rule.
   *
   * @param limit the most referrals per window
   * @param window the window the limit counts over
   * @return new settings
   */
  public ReferralSettings withVelocity(int limit, Duration window) {
    return new ReferralSettings(campaignId, goal, requireSignedCodes, referrerRewardId, conversionPoints,
        onMediumRisk, onHighRisk, limit, window);
  }

  /**
   * What a referral of {@code level} does here (LOW always counts).
   *
   * @param level the referral's risk level
   * @return the action
   * @throws LoyaltyException VALIDATION_ERROR on {@code level} if it is null (the level of a participant never
   *     screened, {@link io.loyaltyengine.participant.Participant#riskLevel()})
   */
  public RiskAction actionFor(io.loyaltyengine.fraud.RiskLevel level) {
    if (level == null) {
      // As EventFilter.matches and ConversionPoints.pointsFor answer a null: a host may pass a participant's level.
      throw LoyaltyException.validation("level", "level is required");
    }
    return switch (level) {
      case LOW -> RiskAction.COUNT;
      case MEDIUM -> onMediumRisk;
      case HIGH -> onHighRisk;
    };
  }
}
