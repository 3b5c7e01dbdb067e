package io.loyaltyengine.fraud;

/** How likely a referral is fraudulent, lowest first. Immutable. */
public enum RiskLevel {
  /** No rule raised a signal. */
  LOW,
  /** Suspicious but common among honest people (for example a shared office IP address). */
  MEDIUM,
  /** Most likely fraud (self-referral through an alias, a throwaway address, a burst of signups). */
  HIGH
}
