package io.loyaltyengine.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
