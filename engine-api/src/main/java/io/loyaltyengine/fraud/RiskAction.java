package io.loyaltyengine.fraud;

/** What a campaign does with a referral of a given risk level. Immutable. */
public enum RiskAction {
  /** The referral counts toward the referrer's goal as any other. */
  COUNT,
  /**
   * The referral counts, but every reward it unlocks stays PENDING for manual approval, also in an AUTO campaign
   * (approve or remove it through {@link io.loyaltyengine.rewards.Rewards}).
   */
  REVIEW,
  /** The referral is recorded in the chain but does not count toward any goal. */
  REJECT
}
