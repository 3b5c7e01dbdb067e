package io.loyaltyengine.referrals;

/** When a referral counts toward the referrer's reward. Immutable. */
public enum ReferralGoal {
  /** When the invited person signs up with the referrer's code. */
  SIGNUP,
  /** When a visit on the referrer's code is tracked. */
  VISIT
}
