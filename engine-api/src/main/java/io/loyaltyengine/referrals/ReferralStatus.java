package io.loyaltyengine.referrals;

/** Whether a recorded referral counted toward the referrer's goal. Immutable. */
public enum ReferralStatus {
  /** It counted (a loyalty action of the referrer toward the campaign's referrer reward). */
  COUNTED,
  /** It counted, and the rewards it unlocked wait for manual approval (risk action REVIEW). */
  IN_REVIEW,
  /** It did not count: its risk level's action is REJECT. */
  REJECTED,
  /** Recorded in the chain only: the campaign's goal is VISIT, or it has no referrer reward. */
  RECORDED
}
