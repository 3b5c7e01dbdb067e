package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SettableClockTest {
  private static final Instant T0 = Instant.parse("2025-03-31T23:59:59.999999999Z");

  @Test
  void standsStillUntilSetOrAdvanced() {
    SettableClock clock = SettableClock.at(T0);
    assertEquals(T0, clock.instant());
    assertEquals(T0, clock.instant(), "reading does not move it");
    assertEquals(T0.toEpochMilli(), clock.millis());

    assertEquals(T0.plusNanos(1), clock.advance(Duration.ofNanos(1)));
    assertEquals(Instant.parse("2025-04-01T00:00:00Z"), clock.instant());
    clock.set(Instant.EPOCH);
    assertEquals(Instant.EPOCH, clock.instant());
    assertEquals(Instant.EPOCH.minusSeconds(1), clock.advance(Duration.ofSeconds(-1)), "it may go backwards");
  }

  @Test
  void isUtcAndAZoneViewMovesWithIt() {
    SettableClock clock = SettableClock.at(T0);
    assertEquals(ZoneOffset.UTC, clock.getZone());
    SettableClock tokyo = clock.withZone(ZoneId.of("Asia/Tokyo"));
    assertEquals(ZoneId.of("Asia/Tokyo"), tokyo.getZone());
    assertSame(clock, clock.withZone(ZoneOffset.UTC));

    clock.advance(Duration.ofHours(1));
    assertEquals(clock.instant(), tokyo.instant());
    tokyo.set(Instant.EPOCH);
    assertEquals(Instant.EPOCH, clock.instant());
    assertEquals(clock, tokyo.withZone(ZoneOffset.UTC));
    assertNotEquals(clock, tokyo);
    assertNotEquals(clock, SettableClock.at(Instant.EPOCH), "another clock is not this one, even at the same instant");
  }

  /** As Instant.plus: past Instant.MAX a DateTimeException, past a long's seconds an ArithmeticException. */
  @Test
  void anAdvanceOutOfRangeThrowsAsDocumentedAndLeavesTheClockWhereItWas() {
    SettableClock clock = SettableClock.at(T0);
    assertThrows(java.time.DateTimeException.class,
        () -> clock.advance(Duration.ofSeconds(Instant.MAX.getEpochSecond())));
    assertEquals(T0, clock.instant());
    assertThrows(ArithmeticException.class, () -> clock.advance(Duration.ofSeconds(Long.MAX_VALUE)));
    assertEquals(T0, clock.instant());
  }

  @Test
  void rejectsNulls() {
    SettableClock clock = SettableClock.at(T0);
    assertThrows(NullPointerException.class, () -> SettableClock.at(null));
    assertThrows(NullPointerException.class, () -> clock.set(null));
    assertThrows(NullPointerException.class, () -> clock.advance(null));
    assertThrows(NullPointerException.class, () -> clock.withZone(null));
  }

  @Test
  void hasNoPublicMutableField() {
    for (Field field : SettableClock.class.getDeclaredFields()) {
      int modifiers = field.getModifiers();
      assertTrue(!Modifier.isPublic(modifiers) || Modifier.isFinal(modifiers), field.toString());
      assertTrue(Modifier.isPrivate(modifiers) && Modifier.isFinal(modifiers), field + " is private and final");
    }
  }

  @Test
  void concurrentAdvancesAreNeverLost() throws Exception {
    SettableClock clock = SettableClock.at(Instant.EPOCH);
    int threads = 8;
    int perThread = 10_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          Instant last = Instant.EPOCH;
          for (int n = 0; n < perThread; n++) {
            Instant now = clock.advance(Duration.ofNanos(1));
            // Each thread sees the clock move forward only, as only advances happen.
            assertTrue(now.isAfter(last), now + " after " + last);
            last = clock.instant();
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(5, TimeUnit.MINUTES); // a bound against a hang, not a timing assertion
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(Instant.EPOCH.plusNanos((long) threads * perThread), clock.instant());
  }
}
