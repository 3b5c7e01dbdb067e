package io.loyaltyengine.core.spi;

/**
 * What one step of pruning did ({@link EventPort#prune}). Immutable.
 *
 * @param examined how many events it examined: fewer than its limit when it reached the last event positioned
 *     before the cutoff
 * @param deleted how many of them it deleted
 * @param last the last event it examined, where the next step goes on from; null when it examined none
 */
public record PruneStep(int examined, int deleted, PruneCursor last) {
}
