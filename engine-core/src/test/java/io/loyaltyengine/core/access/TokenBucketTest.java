package io.loyaltyengine.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.access.AccessSettings.RateLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link TokenBucket}: exact counts and waits, in microseconds. */
class TokenBucketTest {
  private static final long SECOND = 1_000_000;

  @Test
  void aFullBucketGivesTheLimitThenOneTokenPerPeriodOverLimit() {
    RateLimit rate = new RateLimit(3, Duration.ofMinutes(1));
    TokenBucket bucket = new TokenBucket(rate, 0);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, bucket.tryTake(rate, 0));
    }
    assertEquals(20 * SECOND, bucket.tryTake(rate, 0));
    assertEquals(1, bucket.tryTake(rate, 20 * SECOND - 1));
    assertEquals(0, bucket.tryTake(rate, 20 * SECOND));
    assertEquals(20 * SECOND, bucket.tryTake(rate, 20 * SECOND));
    assertEquals(0, bucket.tryTake(rate, 100 * SECOND), "long idle: full again, never more than the limit");
    assertEquals(0, bucket.tryTake(rate, 100 * SECOND));
    assertEquals(0, bucket.tryTake(rate, 100 * SECOND));
    assertEquals(20 * SECOND, bucket.tryTake(rate, 100 * SECOND));
  }

  @Test
  void aPeriodNotDivisibleByTheLimitNeverLetsOneTooManyThrough() {
    RateLimit rate = new RateLimit(7, Duration.ofSeconds(1)); // a token every 142857.14 us
    TokenBucket bucket = new TokenBucket(rate, 0);
    int passed = 0;
    for (long now = 0; now < 10 * SECOND; now += 1_000) {
      while (bucket.tryTake(rate, now) == 0) {
        passed++;
      }
    }
    // 7 at once, then one every 1/7 s over the 9.999 s that follow.
    assertEquals(7 + 69, passed);
    TokenBucket fresh = new TokenBucket(rate, 0);
    for (int i = 0; i < 7; i++) {
      fresh.tryTake(rate, 0);
    }
    assertEquals(142_858, fresh.tryTake(rate, 0), "the wait is rounded up to the microsecond");
  }

  @Test
  void aClockGoingBackRefillsNothingAndAPlanChangeStartsFull() {
    RateLimit one = new RateLimit(1, Duration.ofSeconds(10));
    TokenBucket bucket = new TokenBucket(one, 50 * SECOND);
    assertEquals(0, bucket.tryTake(one, 50 * SECOND));
    assertEquals(10 * SECOND, bucket.tryTake(one, 49 * SECOND), "refused: the time went back, nothing refilled");
    RateLimit more = new RateLimit(2, Duration.ofSeconds(10));
    assertEquals(0, bucket.tryTake(more, 50 * SECOND));
    assertEquals(0, bucket.tryTake(more, 50 * SECOND));
    assertEquals(5 * SECOND, bucket.tryTake(more, 50 * SECOND));
  }
}
