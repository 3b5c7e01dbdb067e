package io.loyaltyengine.rewards;

/** Where a loyalty action came from; kept with the action. Immutable. */
public enum ActionSource {
  /** The participant did it (a purchase, a share, a visit). */
  DIRECT,
  /** A referral of the participant counted. */
  REFERRAL,
  /** An operator recorded it by hand. */
  MANUAL,
  /** Imported from history. */
  IMPORT
}
