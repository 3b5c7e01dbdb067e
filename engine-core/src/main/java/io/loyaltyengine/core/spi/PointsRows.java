package io.loyaltyengine.core.spi;

import io.loyaltyengine.points.LedgerEntry;
import java.util.List;

/**
 * The rows that points changes of one unit of work leave besides the balances ({@link Transaction#appendPointsRows}):
 * ledger entries, the events that record them, and additions to points counters. Immutable.
 *
 * @param entries ledger entries to append, in order
 * @param events events to append, in order
 * @param increments points to add to counters; a counter (tenant, participant, month) may appear more than once
 */
public record PointsRows(List<LedgerEntry> entries, List<EventRecord> events, List<PointsIncrement> increments) {
  /** Copies the lists. */
  public PointsRows {
    entries = List.copyOf(entries);
    events = List.copyOf(events);
    increments = List.copyOf(increments);
  }
}
