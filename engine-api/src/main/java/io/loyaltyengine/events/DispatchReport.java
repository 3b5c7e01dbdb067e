package io.loyaltyengine.events;

/**
 * What one round of event dispatch did. Immutable.
 *
 * @param positioned events given a change-feed position and fanned out to their subscribers
 * @param delivered deliveries acknowledged by a listener or a webhook endpoint
 * @param retried deliveries that failed and were scheduled again
 * @param parked deliveries parked: those that failed for the last time, and webhook deliveries not delivered within
 *     the retry window (see {@link io.loyaltyengine.webhooks.Webhooks})
 * @param pruned dispatched events removed after the retention period
 */
public record DispatchReport(int positioned, int delivered, int retried, int parked, int pruned) {
  /**
   * Whether the round did anything.
   *
   * @return true if every count is 0
   */
  public boolean isIdle() {
    return positioned == 0 && delivered == 0 && retried == 0 && parked == 0 && pruned == 0;
  }
}
