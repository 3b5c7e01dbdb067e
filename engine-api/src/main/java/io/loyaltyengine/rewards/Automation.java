package io.loyaltyengine.rewards;

/** Whether earned rewards of a campaign are approved at once or wait for an operator. Immutable. */
public enum Automation {
  /** Earned rewards are approved in the same transaction that unlocks them. */
  AUTO,
  /** Earned rewards wait as {@link EarnedRewardStatus#PENDING} until approved. */
  MANUAL
}
