package io.loyaltyengine.core.access;

import io.loyaltyengine.access.AccessSettings.RateLimit;

/**
 * One tenant's token bucket at one rate on one engine instance: up to {@code limit} tokens, refilled continuously at
 * {@code limit} per {@code period}; a request takes one. Used while the storage fails the shared bucket's leases
 * ({@link RateLimiter}), whose stored arithmetic ({@link io.loyaltyengine.core.spi.RateBucket}) is the same. Its rate
 * never changes: a tenant whose plan changed takes tokens from the bucket of the new rate.
 *
 * <p>Kept as the debt of requests taken and not yet refilled, in exact integer arithmetic: time in microseconds,
 * every quantity multiplied by {@code limit}, so that a token costs {@code period} units and the bucket holds
 * {@code limit * period} of them; no rounding ever lets one request too many through. Bounds: period at most one
 * day (8.64e10 us) times limit at most 1e7 stays far below {@link Long#MAX_VALUE}.
 *
 * <p>Thread-safe: every method is synchronized on the bucket, one per tenant and rate, so tenants never wait for each
 * other.
 */
final class TokenBucket {
  private final long limit;
  /** The period, in microseconds. */
  private final long period;
  /** Units taken and not yet refilled: 0 (full) .. limit * period (empty). */
  private long debt;
  /** When {@link #debt} was last brought up to date, in microseconds of the engine's clock. */
  private long updatedAt;

  TokenBucket(RateLimit rate, long nowMicros) {
    this.limit = rate.limit();
    this.period = rate.period().toNanos() / 1_000;
    this.updatedAt = nowMicros;
  }

  /**
   * Takes a token if there is one.
   *
   * @return 0 if a token was taken, else how many microseconds until one is back (at least 1)
   */
  synchronized long tryTake(long nowMicros) {
    long elapsed = nowMicros - updatedAt;
    if (elapsed > 0) {
      // After a whole period every token is back; below it, elapsed * limit cannot overflow (see the class).
      debt = elapsed >= period ? 0 : Math.max(0, debt - elapsed * limit);
      updatedAt = nowMicros;
    }
    // A clock that went back refills nothing; it never takes tokens either.
    long room = limit * period - debt;
    if (room >= period) {
      debt += period;
      return 0;
    }
    // One token is back once the debt has fallen by (period - room) units, at limit units per microsecond.
    long missing = period - room;
    return Math.max(1, (missing + limit - 1) / limit);
  }
}
