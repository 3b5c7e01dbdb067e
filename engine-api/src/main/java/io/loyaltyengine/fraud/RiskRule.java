package io.loyaltyengine.fraud;

import java.util.Optional;

/**
 * A fraud-screening rule a host adds to the engine's own (see {@link FraudScreening}). Called inside the signup's
 * transaction, so it must be fast and must not block on I/O; it must be thread-safe. A rule that throws is logged
 * (by class name only) and skipped, so a broken rule never blocks signups.
 */
@FunctionalInterface
public interface RiskRule {
  /**
   * Screens a referral.
   *
   * @param candidate the referral to screen
   * @return a signal, or empty when the rule sees nothing suspicious; a LOW signal is no signal (ignored), since a
   *     LOW referral's reason is always {@link RiskSignal#NO_SIGNAL}
   */
  Optional<RiskSignal> assess(ReferralCandidate candidate);
}
