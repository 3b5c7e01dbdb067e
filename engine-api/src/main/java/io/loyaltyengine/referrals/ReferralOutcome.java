package io.loyaltyengine.referrals;

/** What a signup did about its referral code. Immutable. */
public enum ReferralOutcome {
  /** No code was given. */
  NONE,
  /** The referral was recorded: the code's participant is now the invited participant's referrer. */
  REFERRED,
  /** The invited participant already has a referrer; a referral is never overwritten, so nothing changed. */
  ALREADY_REFERRED,
  /** The code is the invited participant's own; nothing changed. */
  SELF_REFERRAL,
  /** The invited participant is among the referrer's own referrers; recording it would make a cycle, so nothing changed. */
  CYCLE
}
