package io.loyaltyengine.referrals;

/** What was tracked on a referral code. Immutable. */
public enum TrackKind {
  /** The referrer's share widget or link was shown. */
  IMPRESSION,
  /** The referrer shared their code. */
  SHARE,
  /** Someone followed the code to the host's site (a click); the goal VISIT counts these, once per visitor. */
  VISIT
}
