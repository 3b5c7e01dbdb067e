package io.loyaltyengine.rewards;

/**
 * The life of an earned reward: PENDING -> APPROVED -> FULFILLED, or PENDING -> REMOVED. Any other move is an
 * {@link io.loyaltyengine.ErrorCode#INVALID_TRANSITION} and changes nothing. Immutable.
 */
public enum EarnedRewardStatus {
  /** Earned, waiting for approval (manual campaigns). */
  PENDING,
  /** Approved: points credited, coupon assigned (or waiting for codes), message or cash recorded. */
  APPROVED,
  /** Delivered to the participant. */
  FULFILLED,
  /** Withdrawn before approval. */
  REMOVED
}
