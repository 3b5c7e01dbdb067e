package io.loyaltyengine.core.spi;

import io.loyaltyengine.points.LedgerEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows that points changes of one unit of work leave besides the balances ({@link Transaction#appendPointsRows}):
 * ledger entries, the events that record them, and additions to points counters. Immutable.
 *
 * @param entries ledger entries to append, in order
 * @param events events to append, in order
 * @param increments points to add to counters, one per counter (tenant, participant, month): additions to one
 *     counter given more than once are summed here, in the order each counter first appears
 */
public record PointsRows(List<LedgerEntry> entries, List<EventRecord> events, List<PointsIncrement> increments) {
  /** Copies the lists, summing the additions to each counter. */
  public PointsRows {
    entries = List.copyOf(entries);
    events = List.copyOf(events);
    increments = summed(increments);
  }

  private static List<PointsIncrement> summed(List<PointsIncrement> increments) {
    Map<Counter, PointsIncrement> byCounter = new LinkedHashMap<>();
    for (PointsIncrement i : increments) {
      byCounter.merge(new Counter(i.tenantId(), i.participantId(), i.month()), i, PointsIncrement::plus);
    }
    return List.copyOf(byCounter.values());
  }

  /** A points counter's key. */
  private record Counter(long tenantId, long participantId, int month) {
  }
}
