package io.loyaltyengine.rewards;

/** Who earns a campaign reward. Immutable. */
public enum RewardAudience {
  /** The participant whose loyalty actions reach the goal. */
  PARTICIPANT,
  /**
   * The invited participant of a referral that counts (two-way rewards): earned once per invited participant when a
   * loyalty action with source {@link ActionSource#REFERRAL} names them.
   */
  INVITED
}
