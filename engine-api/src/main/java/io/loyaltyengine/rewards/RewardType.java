package io.loyaltyengine.rewards;

/** What a reward gives the participant who earns it. Immutable. */
public enum RewardType {
  /** Points added to the ledger when the reward is approved. */
  POINTS,
  /** The next free code of the campaign's coupon pool, assigned when the reward is approved. */
  COUPON,
  /** A message shown to the participant. */
  CUSTOM_MESSAGE,
  /** An amount of money, recorded for the host to pay out. */
  CASH,
  /** Fulfilled by a handler the host registers (for example a token transfer), called after commit with retries. */
  CUSTOM
}
