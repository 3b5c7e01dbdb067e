package io.loyaltyengine.referrals;

/** Where a conversion is in its life. Immutable. */
public enum ConversionStatus {
  /** Tracked; its points were awarded. */
  CONVERTED,
  /** The order was refunded; its points were taken back as far as the balance allowed. */
  REVERSED,
  /**
   * The order's buyer is the code's own participant (a self-referral): recorded so that its order id answers as
   * tracked, but it earned nothing and counts in no stats; reversing it changes nothing.
   */
  REJECTED
}
