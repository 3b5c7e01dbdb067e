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
      assertEquals(0, bucket.tryTake(0));
    }
    assertEquals(20 * SECOND, bucket.tryTake(0));
    assertEquals(1, bucket.tryTake(20 * SECOND - 1));
    assertEquals(0, bucket.tryTake(20 * SECOND));
    assertEquals(20 * SECOND, bucket.tryTake(20 * SECOND));
    assertEquals(0, bucket.tryTake(100 * SECOND), "long idle: full again, never more than the limit");
    assertEquals(0, bucket.tryTake(100 * SECOND));
    assertEquals(0, bucket.tryTake(100 * SECOND));
    assertEquals(20 * SECOND, bucket.tryTake(100 * SECOND));
  }

  @Test
  void aPeriodNotDivisibleByTheLimitNeverLetsOneTooManyThrough() {
    RateLimit rate = new RateLimit(7, Duration.ofSeconds(1)); // a token every 142857.14 us
    TokenBucket bucket = new TokenBucket(rate, 0);
    int passed = 0;
    for (long now = 0; now < 10 * SECOND; now += 1_000) {
      while (bucket.tryTake(now) == 0) {
        passed++;
      }
    }
    // 7 at once, then one every 1/7 s over the 9.999 s that follow.
    assertEquals(7 + 69, passed);
    TokenBucket fresh = new TokenBucket(rate, 0);
    for (int i = 0; i < 7; i++) {
      fresh.tryTake(0);
    }
    assertEquals(142_858, fresh.tryTake(0), "the wait is rounded up to the microsecond");
  }

  /**
   * A period with a fraction of a microsecond (the buckets' unit) counts it as a whole one: dropped, the bucket
   * refilled faster than the plan allows, and let a second request of a plan of one per second and a nanosecond
   * through at one second.
   */
  @Test
  void aPeriodWithAFractionOfAMicrosecondCountsItAsAWholeOne() {
    RateLimit rate = new RateLimit(1, Duration.ofSeconds(1).plusNanos(1));
    TokenBucket bucket = new TokenBucket(rate, 0);
    assertEquals(0, bucket.tryTake(0));
    assertEquals(1, bucket.tryTake(SECOND), "refused: a nanosecond of the period is left");
    assertEquals(0, bucket.tryTake(SECOND + 1));
  }

  @Test
  void aClockGoingBackRefillsNothing() {
    RateLimit one = new RateLimit(1, Duration.ofSeconds(10));
    TokenBucket bucket = new TokenBucket(one, 50 * SECOND);
    assertEquals(0, bucket.tryTake(50 * SECOND));
    assertEquals(10 * SECOND, bucket.tryTake(49 * SECOND), "refused: the time went back, nothing refilled");
    assertEquals(SECOND, bucket.tryTake(59 * SECOND), "the refill counts from the take, not from the earlier time");
    assertEquals(0, bucket.tryTake(60 * SECOND));
  }
}
