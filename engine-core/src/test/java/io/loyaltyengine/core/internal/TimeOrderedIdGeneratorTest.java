package io.loyaltyengine.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TimeOrderedIdGeneratorTest {
  private final Clock fixed = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void idsIncreaseEvenPastTheSequenceOfOneMillisecond() {
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(fixed, 5);
    long last = 0;
    for (int i = 0; i < 10_000; i++) {
      long id = ids.nextId();
      assertTrue(id > last, "ids must strictly increase");
      assertEquals(5, (id >>> 12) & 1023, "the node number must survive sequence overflow");
      last = id;
    }
  }

  @Test
  void distinctNodesNeverCollideAndThreadsNeverRepeat() {
    TimeOrderedIdGenerator a = new TimeOrderedIdGenerator(fixed, 1);
    TimeOrderedIdGenerator b = new TimeOrderedIdGenerator(fixed, 2);
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    IntStream.range(0, 40_000).parallel().forEach(i -> assertTrue(seen.add((i % 2 == 0 ? a : b).nextId())));
    assertEquals(40_000, seen.size());
  }

  @Test
  void aClockThatStepsBackNeverRepeatsAnId() {
    Instant[] now = {Instant.parse("2026-11-21T12:00:00Z")};
    Clock moving = new Clock() {
      @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId zone) { return this; }
      @Override public Instant instant() { return now[0]; }
    };
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(moving, 0);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      now[0] = now[0].plusMillis(i % 3 == 0 ? -5 : 1);
      assertTrue(seen.add(ids.nextId()));
    }
  }

  @Test
  void aSwitchedNodeIsInTheFollowingIdsWhileConcurrentCallersNeverRepeatOne() throws Exception {
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(fixed, 3);
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    Thread switcher = new Thread(() -> ids.switchNode(9, fixed.instant()));
    switcher.start();
    IntStream.range(0, 20_000).parallel().forEach(i -> assertTrue(seen.add(ids.nextId()), "an id repeated"));
    switcher.join();
    long after = ids.nextId();
    assertEquals(9, (after >>> 12) & 1023);
    assertEquals(9, ids.node());
    assertTrue(seen.stream().allMatch(id -> id < after), "ids keep increasing across the switch");
  }

  @Test
  void idsKeepIncreasingAfterASwitchToASmallerNodeWithinOneMillisecond() {
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(fixed, 700);
    long before = ids.nextId();
    ids.switchNode(2, fixed.instant());
    long after = ids.nextId();
    assertEquals(2, (after >>> 12) & 1023);
    assertTrue(after > before, "the switch moves to the next millisecond");
  }

  @Test
  void afterLastIdIsPastTheMillisecondOfEveryIdMadeAlsoWhenABurstBorrowedAhead() {
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(fixed, 1);
    long last = 0;
    for (int i = 0; i < 3 * 4_096; i++) {
      last = ids.nextId();
    }
    long lastMillis = (last >>> 22) + Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    assertEquals(fixed.millis() + 2, lastMillis, "three milliseconds' worth of ids in one borrowed two");
    assertEquals(Instant.ofEpochMilli(lastMillis + 1), ids.afterLastId());
  }
  @Test
  void pastItsFortyOneBitsOfMillisecondsTheGeneratorRefusesInsteadOfMakingANegativeOrRepeatedId() {
    // The last millisecond of the layout, in 2093: 2^41 - 1 milliseconds after 2024-01-01.
    Instant lastMillisecond =
        Instant.ofEpochMilli(Instant.parse("2024-01-01T00:00:00Z").toEpochMilli() + (1L << 41) - 1);
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(Clock.fixed(lastMillisecond, ZoneOffset.UTC), 1023);
    long last = 0;
    for (int i = 0; i < 4_096; i++) {
      long id = ids.nextId();
      assertTrue(id > last, "ids of the last millisecond are positive and increase");
      last = id;
    }
    // A burst past the last millisecond's sequence would borrow a millisecond the layout does not have.
    assertThrows(IllegalStateException.class, ids::nextId);
    assertThrows(IllegalStateException.class, ids::nextId, "and keeps refusing");

    TimeOrderedIdGenerator late = new TimeOrderedIdGenerator(
        Clock.fixed(lastMillisecond.plusMillis(1), ZoneOffset.UTC), 0);
    IllegalStateException e = assertThrows(IllegalStateException.class, late::nextId, "a clock past the range");
    assertTrue(e.getMessage().contains("idGenerator"), "says what to do: " + e.getMessage());
  }
}
