package io.loyaltyengine.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import io.loyaltyengine.core.spi.RateBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimiter} leasing from a shared bucket ({@link RateBucket#lease}, kept here in a map as a store keeps its
 * rows), and the arithmetic of {@link RateBucket}; time is driven by a settable clock.
 */
class RateLimiterTest {
  private static final long SECOND = 1_000_000;
  private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");

  /** A clock that stands still unless moved. Not thread-safe: single-threaded tests. */
  private static final class SettableClock extends Clock {
    private Instant now = START;

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  /** The shared store: one bucket per tenant and rate, counting the leases made. */
  private static final class Store implements RateLimiter.Leaser {
    final Map<String, RateBucket> buckets = new HashMap<>();
    int leases;
    boolean down;

    @Override
    public RateBucket lease(long tenantId, RateLimit rate, int batch, long nowMicros) {
      if (down) {
        throw new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null, "the storage is unavailable");
      }
      leases++;
      long period = RateLimiter.periodMicros(rate);
      return buckets.compute(tenantId + "/" + rate, (id, bucket) -> (bucket == null ? RateBucket.full(nowMicros)
          : bucket).lease(rate.limit(), period, batch, nowMicros));
    }
  }

  private final SettableClock clock = new SettableClock();
  private final Store store = new Store();

  private RateLimiter limiter(int limit, Duration period) {
    AccessSettings settings = AccessSettings.builder().plan("p", limit, period).defaultPlan("p").build();
    return new RateLimiter(settings, clock, () -> clock.instant().toEpochMilli() * 1_000_000L, store);
  }

  private static int passes(RateLimiter limiter, long tenantId, int attempts) {
    int passed = 0;
    for (int i = 0; i < attempts; i++) {
      try {
        limiter.acquire(tenantId, "p");
        passed++;
      } catch (LoyaltyException e) {
        assertEquals(ErrorCode.RATE_LIMITED, e.code());
      }
    }
    return passed;
  }

  private static Duration retryAfter(RateLimiter limiter, long tenantId) {
    return assertThrows(LoyaltyException.class, () -> limiter.acquire(tenantId, "p")).retryAfter().orElseThrow();
  }

  /**
   * The shared bucket's period is the plan's in whole microseconds, a fraction counting as a whole one: truncated, a
   * plan of one request per second and a nanosecond let a second one through at one second.
   */
  @Test
  void aPeriodWithAFractionOfAMicrosecondIsNeverShortened() {
    RateLimiter limiter = limiter(1, Duration.ofSeconds(1).plusNanos(1));
    assertEquals(1, passes(limiter, 1, 1));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Duration.ofNanos(1_000), retryAfter(limiter, 1), "a nanosecond left, a microsecond to wait");
    clock.advance(Duration.ofNanos(1_000));
    assertEquals(1, passes(limiter, 1, 1));
    assertEquals(1_000_001, RateLimiter.periodMicros(new RateLimit(1, Duration.ofSeconds(1).plusNanos(1))));
    assertEquals(1_000_000, RateLimiter.periodMicros(new RateLimit(1, Duration.ofSeconds(1))));
  }

  @Test
  void theBatchIsATenthOfTheLimitAtLeastOne() {
    assertEquals(1, RateLimiter.batchOf(new RateLimit(19, Duration.ofMinutes(1))));
    assertEquals(2, RateLimiter.batchOf(new RateLimit(20, Duration.ofMinutes(1))));
    assertEquals(100, RateLimiter.batchOf(new RateLimit(1_000, Duration.ofMinutes(1))));
  }

  @Test
  void anInstanceSpendsWhatItLeasedWithoutStorage() {
    RateLimiter limiter = limiter(100, Duration.ofMinutes(1)); // batches of 10
    assertEquals(100, passes(limiter, 1, 150));
    assertEquals(11, store.leases, "10 batches, then one lease that found the bucket empty");
    assertEquals(Duration.ofMillis(600), retryAfter(limiter, 1), "a minute / 100");
    assertEquals(11, store.leases, "refused without storage until a token is back");
    clock.advance(Duration.ofMillis(599));
    assertEquals(Duration.ofMillis(1), retryAfter(limiter, 1));
    clock.advance(Duration.ofMillis(1));
    assertEquals(1, passes(limiter, 1, 5), "one token back: a lease takes what there is, under a batch");
    assertEquals(13, store.leases, "that lease, and one that found the bucket empty again");
  }

  @Test
  void twoInstancesTogetherGetTheBucketPlusAtMostWhatTheyHoldLeased() {
    RateLimiter first = limiter(100, Duration.ofMinutes(1));
    RateLimiter second = limiter(100, Duration.ofMinutes(1));
    assertEquals(1, passes(first, 1, 1)); // holds 9
    assertEquals(1, passes(second, 1, 1)); // holds 9
    // The store's bucket refills from 80 to 100 (83 tokens in 50 s, capped); the 18 held stay usable (an idle
    // instance's lease is forgotten only after the plan's period).
    clock.advance(Duration.ofSeconds(50));
    assertEquals(100 + 9, passes(first, 1, 1_000), "the bucket, plus what the first held");
    assertEquals(9, passes(second, 1, 1_000), "what the second held");
    // Within the 50 s: 100 + 9 + 9, the bucket plus the 2 * (10 - 1) the two instances held leased.
    assertEquals(0, passes(second, 1, 1));
    assertEquals(0, passes(limiter(100, Duration.ofMinutes(1)), 1, 10), "a third instance finds it empty too");
    assertEquals(100, passes(limiter(100, Duration.ofMinutes(1)), 2, 1_000), "another tenant has its own");
  }

  @Test
  void whenTheStorageFailsTheInstancesOwnBucketHoldsUntilItAnswersAgain() {
    RateLimiter limiter = limiter(30, Duration.ofMinutes(1)); // batches of 3
    assertEquals(1, passes(limiter, 1, 1)); // holds 2
    store.down = true;
    assertEquals(2 + 30, passes(limiter, 1, 100), "what it held, then its own full bucket");
    assertEquals(Duration.ofSeconds(2), retryAfter(limiter, 1), "its own bucket's wait");
    store.down = false;
    assertEquals(0, passes(limiter, 1, 10), "within the retry time the storage is not asked");
    clock.advance(RateLimiter.STORAGE_RETRY);
    assertEquals(27, passes(limiter, 1, 100), "the shared bucket again: 30 less the 3 leased before the failure"
        + " (the second refills nothing worth a token)");
  }

  @Test
  void aClockThatWentBackDoesNotKeepTheInstanceOnItsOwnBucketsPastTheRetryTime() {
    RateLimiter limiter = limiter(30, Duration.ofMinutes(1)); // batches of 3
    store.down = true;
    assertEquals(1, passes(limiter, 1, 1), "its own bucket");
    store.down = false;
    clock.advance(Duration.ofHours(-1)); // the clock is set back during the retry time
    clock.advance(RateLimiter.STORAGE_RETRY);
    assertEquals(30, passes(limiter, 2, 100), "the shared bucket, asked again once the retry time passed");
    assertEquals(11, store.leases, "10 batches, then one lease that found the bucket empty");
  }

  @Test
  void aLeaseThatSucceedsAfterAnotherFailedDoesNotEndTheFallback() throws Exception {
    CountDownLatch inFlight = new CountDownLatch(1);
    CountDownLatch failed = new CountDownLatch(1);
    AtomicInteger asked = new AtomicInteger();
    RateLimiter limiter = new RateLimiter(AccessSettings.builder().plan("p", 5, Duration.ofMinutes(1))
        .defaultPlan("p").build(), clock, () -> 0L, (t, rate, batch, now) -> {
          asked.incrementAndGet();
          if (t == 1) { // began before the outage, answers after another lease failed
            inFlight.countDown();
            await(failed);
            return RateBucket.full(now).lease(rate.limit(), RateLimiter.periodMicros(rate), batch, now);
          }
          throw new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null, "the storage is unavailable");
        });
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> first = pool.submit(() -> limiter.acquire(1, "p"));
      inFlight.await();
      limiter.acquire(2, "p"); // fails: its own bucket
      failed.countDown();
      first.get(1, TimeUnit.MINUTES);
      limiter.acquire(3, "p");
      assertEquals(2, asked.get(), "within the retry time after the failure the storage is not asked");
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A lease that leaves the cache while requests still hold it: the first request of the tenant is in its storage
   * round trip on the lease, a second waits for that lease's lock, and meanwhile the lease expires (the cache's
   * ticker passes the plan's period) and a third request makes a new lease, which leases a batch. Once the first
   * request's lease answers, the waiting request must not spend what the dropped lease got: the instance would then
   * have held, and spent, two batches' remainders at once, not at most {@code batch - 1}.
   */
  @Test
  void aLeaseDroppedFromTheCacheWhileARequestHoldsItSpendsNothingMoreThanTheCurrentOne() throws Exception {
    CountDownLatch inFlight = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    AtomicLong ticker = new AtomicLong();
    AtomicInteger leased = new AtomicInteger();
    // 20 a minute: batches of 2, so at most 1 token held; the bucket gives two batches, then none.
    RateLimiter limiter = new RateLimiter(AccessSettings.builder().plan("p", 20, Duration.ofMinutes(1))
        .defaultPlan("p").build(), clock, ticker::get, (t, rate, batch, now) -> {
          int n = leased.incrementAndGet();
          if (n == 1) {
            inFlight.countDown();
            await(answer);
          }
          return n <= 2 ? new RateBucket(0, 0, batch) : new RateBucket(0, 0, 0);
        });
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> first = pool.submit(() -> limiter.acquire(1, "p"));
      inFlight.await();
      Thread[] waiter = new Thread[1];
      CountDownLatch started = new CountDownLatch(1);
      Future<Integer> waiting = pool.submit(() -> {
        waiter[0] = Thread.currentThread();
        started.countDown();
        return passes(limiter, 1, 1);
      });
      started.await();
      awaitBlocked(waiter[0]); // on the lease the first request holds
      ticker.addAndGet(Duration.ofMinutes(1).toNanos() + 1); // the lease expires
      assertEquals(1, passes(limiter, 1, 1), "a new lease, and its batch");
      answer.countDown();
      first.get(1, TimeUnit.MINUTES);
      int spentHeld = waiting.get(1, TimeUnit.MINUTES) + passes(limiter, 1, 10);
      assertEquals(RateLimiter.batchOf(new RateLimit(20, Duration.ofMinutes(1))) - 1, spentHeld,
          "after the two leases, what the instance held: one batch less the token its request spent");
    } finally {
      answer.countDown();
      pool.shutdownNow();
    }
  }

  /** Waits until {@code thread} is blocked on a monitor: there is only one on its path, the lease's. */
  private static void awaitBlocked(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (thread.getState() != Thread.State.BLOCKED) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the request never waited for the lease: " + thread.getState());
      }
      Thread.onSpinWait();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void otherStorageFailuresPropagate() {
    RateLimiter limiter = new RateLimiter(AccessSettings.builder().plan("p", 5, Duration.ofMinutes(1))
        .defaultPlan("p").build(), clock, () -> 0L, (t, rate, batch, now) -> {
          throw new LoyaltyException(ErrorCode.NOT_FOUND, null, "no tenant");
        });
    assertEquals(ErrorCode.NOT_FOUND,
        assertThrows(LoyaltyException.class, () -> limiter.acquire(1, "p")).code());
  }

  @Test
  void aLeaseRefillsByElapsedTimeCappedAtTheBucketAndTakesWholeTokensOnly() {
    long period = 60 * SECOND;
    RateBucket bucket = RateBucket.full(0).lease(3, period, 10, 0);
    assertEquals(new RateBucket(3 * period, 0, 3), bucket, "a full bucket gives its limit, under the batch");
    RateBucket empty = bucket.lease(3, period, 10, 0);
    assertEquals(0, empty.granted());
    assertEquals(20 * SECOND, empty.waitMicros(3, period, 0));
    assertEquals(SECOND, empty.lease(3, period, 10, 19 * SECOND).waitMicros(3, period, 19 * SECOND));
    assertEquals(1, bucket.lease(3, period, 10, 20 * SECOND).granted(), "one token back after 20 s");
    assertEquals(3, bucket.lease(3, period, 10, 100 * period).granted(), "never more than the limit");
    RateBucket behind = bucket.lease(3, period, 10, -5 * SECOND);
    assertEquals(new RateBucket(3 * period, 0, 0), behind, "a clock behind refills nothing, moves nothing back");
    assertEquals(25 * SECOND, behind.waitMicros(3, period, -5 * SECOND), "and waits for the later clock too");
    RateBucket uneven = RateBucket.full(0).lease(7, SECOND, 7, 0);
    assertEquals(142_858, uneven.waitMicros(7, SECOND, 0), "rounded up to the microsecond");
    assertEquals(0, uneven.lease(7, SECOND, 7, 142_857).granted(), "not one microsecond early");
    assertEquals(1, uneven.lease(7, SECOND, 7, 142_858).granted());
  }
}
