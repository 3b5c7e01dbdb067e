package io.loyaltyengine.fraud;

import java.util.Optional;

/**
 * A fraud-screening rule a host adds to the engine's own (see {@link FraudScreening}). Called inside the signup's
 * transaction, so it must be fast and must not block on I/O; it must be thread-safe. A rule that throws is logged
 * (by class name only) and skipped, so a broken rule never blocks signups. It may be called more than once for one
 * signup (a signup that met another enrolling the same new email runs again), so it should answer from its
 * candidate alone and keep no count of its own.
 *
 * <p>A rule must not call the engine: every store refuses an operation begun on a thread that is running one of the
 * engine's own transactions, with an {@link IllegalStateException} (the operation would otherwise run inside the
 * signup's transaction, see its uncommitted rows, and roll the signup back if it failed). Inside a signup that joins
 * a host's transaction such an operation would run on a connection of its own, waiting for the rows the signup
 * holds.
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
