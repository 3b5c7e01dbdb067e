package io.loyaltyengine.core.spi;

/**
 * What a batch of points operations changed on one participant's row ({@link LedgerPort#adjustAll}), worked out
 * under the row's lock from the row {@link ParticipantPort#lockAll} returned. Immutable.
 *
 * @param tenantId the tenant
 * @param participantId the participant
 * @param balanceDelta what to add to the balance (negative for a net deduction)
 * @param lifetimeDelta what to add to the lifetime points, not negative
 * @param events how far to advance the participant's event sequence: the number of events the operations wrote
 */
public record BalanceAdjustment(long tenantId, long participantId, long balanceDelta, long lifetimeDelta,
    long events) {
  /** Checks the deltas that cannot be negative. */
  public BalanceAdjustment {
    if (lifetimeDelta < 0 || events < 0) {
      throw new IllegalArgumentException("lifetimeDelta and events must not be negative but were " + lifetimeDelta
          + " and " + events);
    }
  }
}
