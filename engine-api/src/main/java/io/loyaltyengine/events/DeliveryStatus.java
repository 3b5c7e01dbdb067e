package io.loyaltyengine.events;

/**
 * Where a delivery of one event to one subscriber (a listener, or a webhook endpoint) stands. PENDING moves to
 * DELIVERED or to PARKED; a replay moves PARKED back to PENDING; DELIVERED is final. Immutable.
 */
public enum DeliveryStatus {
  /** Waiting for its next attempt, or being attempted by an engine instance now. */
  PENDING,
  /** Acknowledged by the subscriber. */
  DELIVERED,
  /** Failed for the last time; waits for the host to replay it. */
  PARKED
}
