package io.loyaltyengine.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link PointsRows} makes of the rows it is given; the stores' side is {@code PointsRowsContractTest}'s. */
class PointsRowsTest {
  private static final Instant AT = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void entriesAreKeptInKeyOrderWithKeylessOnesLastInTheOrderGiven() {
    List<LedgerEntry> given = new ArrayList<>();
    for (String key : Arrays.asList(null, "order-9", "order-10", null, "Order-1", "order-1")) {
      given.add(new LedgerEntry(given.size() + 1, 1, 2, 3, LedgerEntryKind.AWARD, 1, "purchase", null, key, 1, AT));
    }
    PointsRows rows = new PointsRows(given, List.of(), List.of());
    // String order (UTF-16 code units), the same in every instance whatever the database's collation.
    assertEquals(List.of(5L, 6L, 3L, 2L, 1L, 4L), rows.entries().stream().map(LedgerEntry::id).toList());
    assertEquals("order-1", given.get(5).idempotencyKey(), "the caller's list is left as it was");
  }

  @Test
  void rowsHaveIdempotencyKeysWhenAnyEntryHasOneWhereverItWasGiven() {
    LedgerEntry keyless = entry(1, null);
    LedgerEntry keyed = entry(2, "order-1");
    assertFalse(new PointsRows(List.of(), List.of(), List.of()).hasIdempotencyKeys());
    assertFalse(new PointsRows(List.of(keyless, entry(3, null)), List.of(), List.of()).hasIdempotencyKeys());
    assertTrue(new PointsRows(List.of(keyless, keyed), List.of(), List.of()).hasIdempotencyKeys(),
        "a key after a keyless entry");
    assertTrue(new PointsRows(List.of(keyed), List.of(), List.of()).hasIdempotencyKeys());
  }

  private static LedgerEntry entry(long id, String key) {
    return new LedgerEntry(id, 1, 2, 3, LedgerEntryKind.AWARD, 1, "purchase", null, key, 1, AT);
  }

  @Test
  void additionsToOneCounterAreSummedInTheOrderEachCounterFirstAppears() {
    PointsRows rows = new PointsRows(List.of(), List.of(), List.of(
        new PointsIncrement(1, 2, 3, 0, 5, AT), new PointsIncrement(1, 2, 4, 0, 7, AT),
        new PointsIncrement(1, 2, 3, 0, 1, AT.plusSeconds(1))));
    assertEquals(List.of(3L, 4L), rows.increments().stream().map(PointsIncrement::participantId).toList());
    assertEquals(List.of(6L, 7L), rows.increments().stream().map(PointsIncrement::points).toList());
  }
}
