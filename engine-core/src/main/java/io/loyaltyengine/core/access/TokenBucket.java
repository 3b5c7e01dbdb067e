package io.loyaltyengine.core.access;

import io.loyaltyengine.access.AccessSettings.RateLimit;
import io.loyaltyengine.core.spi.RateBucket;

/**
 * One tenant's token bucket at one rate on one engine instance: up to {@code limit} tokens, refilled continuously at
 * {@code limit} per {@code period}; a request takes one. Used while the storage fails the shared bucket's leases
 * ({@link RateLimiter}), and kept as the shared bucket is, a {@link RateBucket} leased one token at a time, so the two
 * share one arithmetic (exact integers: no rounding ever lets one request too many through). Its rate never changes: a
 * tenant whose plan changed takes tokens from the bucket of the new rate.
 *
 * <p>Thread-safe: every method is synchronized on the bucket, one per tenant and rate, so tenants never wait for each
 * other.
 */
final class TokenBucket {
  private final long limit;
  /** The period, in microseconds. */
  private final long period;
  private RateBucket bucket;

  TokenBucket(RateLimit rate, long nowMicros) {
    this.limit = rate.limit();
    this.period = RateLimiter.periodMicros(rate);
    this.bucket = RateBucket.full(nowMicros);
  }

  /**
   * Takes a token if there is one.
   *
   * @return 0 if a token was taken, else how many microseconds until one is back (at least 1)
   */
  synchronized long tryTake(long nowMicros) {
    bucket = bucket.lease(limit, period, 1, nowMicros);
    if (bucket.granted() > 0) {
      return 0;
    }
    // One clock only: one that went back refilled nothing and adds nothing to the wait (a shared bucket's does, for
    // another instance's clock ahead of this one).
    return bucket.waitMicros(limit, period, Math.max(nowMicros, bucket.refilledAt()));
  }
}
