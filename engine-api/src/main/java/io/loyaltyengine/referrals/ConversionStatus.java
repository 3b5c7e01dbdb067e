package io.loyaltyengine.referrals;

/** Where a conversion is in its life. Immutable. */
public enum ConversionStatus {
  /** Tracked; its points were awarded. */
  CONVERTED,
  /** The order was refunded; its points were taken back as far as the balance allowed. */
  REVERSED
}
