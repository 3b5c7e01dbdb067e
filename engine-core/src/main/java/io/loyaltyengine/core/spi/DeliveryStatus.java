package io.loyaltyengine.core.spi;

/** Where a delivery of one event to one subscriber stands. Immutable. */
public enum DeliveryStatus {
  /** Waiting for its next attempt (possibly leased to an instance). */
  PENDING,
  /** Acknowledged by the subscriber. */
  DELIVERED,
  /** Failed for the last time; waits for a replay. */
  PARKED
}
