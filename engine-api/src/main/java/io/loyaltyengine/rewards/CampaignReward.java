package io.loyaltyengine.rewards;

import java.time.Instant;

/**
 * A reward a campaign offers, and the goal that unlocks it. Immutable.
 *
 * <p>A participant earns it each time its loyalty actions for this reward reach a multiple of
 * {@code conversionsRequired}, at most {@code limit} times ({@code null}: unlimited). Actions past the limit still
 * count but unlock nothing.
 *
 * @param id the reward's id
 * @param tenantId the owning tenant
 * @param campaignId the campaign
 * @param name display name
 * @param type what it gives
 * @param audience who earns it
 * @param conversionsRequired loyalty actions per unlock, at least 1
 * @param limit how many times one participant can earn it, or {@code null} for unlimited
 * @param points points credited on approval (POINTS), else 0
 * @param message the message (CUSTOM_MESSAGE), else null
 * @param cashAmountMinor the amount in minor units, e.g. cents (CASH), else 0
 * @param currency ISO 4217 code (CASH), else null
 * @param handler the fulfilment handler's name (CUSTOM), else null
 * @param createdAt when it was defined
 */
public record CampaignReward(long id, long tenantId, long campaignId, String name, RewardType type,
    RewardAudience audience, int conversionsRequired, Integer limit, long points, String message,
    long cashAmountMinor, String currency, String handler, Instant createdAt) {

  /**
   * Whether it can be earned any number of times.
   *
   * @return true if it has no limit of times
   */
  public boolean isUnlimited() {
    return limit == null;
  }
}
