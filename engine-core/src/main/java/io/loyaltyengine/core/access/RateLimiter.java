package io.loyaltyengine.core.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The rate limits of one engine instance: a {@link TokenBucket} per tenant and rate, in a bounded cache that forgets
 * a bucket idle for the longest period of the plans (it would be full again by then, so forgetting it changes
 * nothing). Limits are per instance: with N instances behind a load balancer a tenant gets up to N times its plan's
 * rate.
 *
 * <p>A bucket per rate, not one per tenant reset when its rate changes: within the key cache TTL after a plan change
 * made on another instance, this one may hold a tenant's keys cached with the old plan and the new, and requests
 * alternating between them would find a full bucket at every switch. With a bucket per rate they get at most what
 * the two buckets hold; a plan change moves the tenant to the new rate's bucket, full unless the tenant was on that
 * rate within its period.
 *
 * <p>At most {@value #MAX_TENANTS} buckets are kept (one per tenant, two for a while after a plan change); should
 * more be active within one period, the least recently used are dropped and start again full.
 *
 * <p>Thread-safe: the cache is concurrent and each bucket synchronizes on itself; there is no global lock.
 */
final class RateLimiter {
  /** Most buckets kept. */
  static final int MAX_TENANTS = 100_000;

  private final AccessSettings settings;
  private final Clock clock;
  /** Null when no plans are configured: nothing is limited. */
  private final Cache<BucketId, TokenBucket> buckets;

  /** Whose bucket, at which rate. */
  private record BucketId(long tenantId, RateLimit rate) {
  }

  RateLimiter(AccessSettings settings, Clock clock, Ticker ticker) {
    this.settings = settings;
    this.clock = clock;
    Duration longest = settings.plans().values().stream().map(RateLimit::period).max(Duration::compareTo)
        .orElse(null);
    this.buckets = longest == null ? null : Caffeine.newBuilder()
        .maximumSize(MAX_TENANTS)
        .expireAfterAccess(longest)
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
  }

  /**
   * Counts one request of the tenant on {@code plan}.
   *
   * @throws LoyaltyException RATE_LIMITED if the plan allows none now; the request is not counted
   */
  void acquire(long tenantId, String plan) {
    if (buckets == null) {
      return;
    }
    RateLimit rate = settings.rateOf(plan);
    long now = micros(clock.instant());
    TokenBucket bucket = buckets.get(new BucketId(tenantId, rate), id -> new TokenBucket(rate, now));
    long wait = bucket.tryTake(now);
    if (wait > 0) {
      throw LoyaltyException.rateLimited(Duration.ofNanos(wait * 1_000));
    }
  }

  private static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }
}
