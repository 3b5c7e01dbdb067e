package io.loyaltyengine.core.spi;

import io.loyaltyengine.points.LedgerEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows that points changes of one unit of work leave besides the balances ({@link Transaction#appendPointsRows}):
 * ledger entries, the events that record them, and additions to points counters. Immutable.
 *
 * <p>The entries are kept in the order of their idempotency keys, those without a key last in the order given, and a
 * store writes them in this order. Two transactions writing some of the same new keys then claim those keys in the
 * same order: the later one waits for the earlier and, once it commits, fails on the first taken key
 * ({@link UniqueKey#LEDGER_IDEMPOTENCY_KEY}), where in opposite orders each would hold a key the other waits for, a
 * deadlock the database breaks only after its timeout (a second on PostgreSQL) by failing one of them. The ledger's
 * order is its entries' ids, whatever order they are written in.
 *
 * @param entries ledger entries to append; kept sorted by idempotency key as above
 * @param events events to append, in order
 * @param increments points to add to counters, one per counter (tenant, participant, month): additions to one
 *     counter given more than once are summed here, in the order each counter first appears
 */
public record PointsRows(List<LedgerEntry> entries, List<EventRecord> events, List<PointsIncrement> increments) {
  /** Copies the lists, sorting the entries by key and summing the additions to each counter. */
  public PointsRows {
    entries = byKey(entries);
    events = List.copyOf(events);
    increments = summed(increments);
  }

  /** Whether an entry carries an idempotency key: then the first does, since those without one come last. */
  public boolean hasIdempotencyKeys() {
    return !entries.isEmpty() && entries.get(0).idempotencyKey() != null;
  }

  private static List<LedgerEntry> byKey(List<LedgerEntry> entries) {
    if (entries.size() < 2) {
      return List.copyOf(entries);
    }
    List<LedgerEntry> sorted = new ArrayList<>(entries);
    // Stable: entries without a key keep their order.
    sorted.sort(Comparator.comparing(LedgerEntry::idempotencyKey, Comparator.nullsLast(Comparator.naturalOrder())));
    return List.copyOf(sorted);
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
