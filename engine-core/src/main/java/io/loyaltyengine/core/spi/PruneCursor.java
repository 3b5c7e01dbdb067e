package io.loyaltyengine.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * How far a pass of pruning has looked: the last event a step examined, in the order {@link EventPort#prune} walks
 * (when it was positioned, then tenant, then id). Immutable.
 *
 * @param positionedAt when the event was positioned
 * @param tenantId its tenant
 * @param eventId its id
 */
public record PruneCursor(Instant positionedAt, long tenantId, long eventId) {
  /** Checks that the time is given. */
  public PruneCursor {
    Objects.requireNonNull(positionedAt, "positionedAt");
  }
}
