package io.loyaltyengine.referrals;

/** The forms of referral code the engine reads. Immutable. */
public enum CodeKind {
  /**
   * The hosted products' legacy form: base64 of {@code campaign_id:social_type:participant_id[:invited_id]} (either
   * base64 alphabet, padding optional). Anyone can forge one; a campaign may refuse them.
   */
  LEGACY,
  /** Tamper-evident: the campaign and participant with an HMAC tag under a per-tenant key that can be rotated. */
  SIGNED,
  /** Short and human-friendly (for example {@code GAVIN42}), stored by the engine, unique in the campaign. */
  SHORT
}
