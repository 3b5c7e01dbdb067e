package io.loyaltyengine.core.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import io.loyaltyengine.core.spi.RateBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rate limits of tenants' plans, shared by every engine instance on one storage: a tenant's bucket at a rate is a
 * row of the storage ({@link io.loyaltyengine.core.spi.ApiKeyPort#leaseTokens}), from which this instance leases
 * tokens in batches of {@link #batchOf} with one atomic update and then spends them here, without storage, until the
 * batch is spent. So a request costs a storage write only once per batch.
 *
 * <h2>Bound</h2>
 * Every request let through spent a token taken from the shared bucket at or before it; each instance holds at most
 * {@code batch - 1} leased and unspent tokens per tenant and rate. So over any interval of length {@code d}, N
 * instances let through at most {@code limit + limit * d / period + N * (batch - 1)} requests of a tenant: the plan's
 * bucket plus at most {@code N * (batch - 1)}. With {@code batch = max(1, limit / 10)} that is at most 10% of the
 * plan's limit per instance; plans of fewer than 20 requests per period lease one token at a time and are exact.
 * Leased tokens do not expire: an idle instance keeps fewer than a batch, which the bound counts, and dropping them
 * would not give them back to the others (only a write would), so it would only refuse more. {@code d} is the true
 * time: each lease refills by its own instance's clock, and the bucket's refill time only moves forward (to the
 * latest clock that leased), so instances whose clocks disagree by up to {@code s} add at most the refill of
 * {@code s}.
 *
 * <h2>Refusals</h2>
 * When a lease finds the bucket empty, this instance refuses the tenant's requests at that rate without storage
 * until a token is back ({@code retryAfter} from the stored bucket): tokens only come back with time, so another
 * instance cannot make one appear sooner. A flood of refused requests thus costs no storage writes either.
 *
 * <h2>Storage unavailable</h2>
 * If a lease fails with STORAGE_UNAVAILABLE, requests are held to this instance's own {@link TokenBucket} per tenant
 * and rate (up to N times the plan's rate over N instances, as before sharing), for {@link #STORAGE_RETRY} by the
 * engine's clock before the storage is tried again (at once if the clock was set back meanwhile), and only a lease
 * asked after the failure ends it; one warning is logged per outage, naming no tenant or key. The
 * API stays up on cached keys rather than refusing every request because the limiter's storage is down. Tokens
 * leased before the failure are spent first, and the shared bucket is left as it was: so over an outage and its end
 * N instances let a tenant through up to N + 1 buckets and their refill, plus what they held leased.
 *
 * <p>A bucket per rate, not one per tenant reset when its rate changes: within the key cache TTL after a plan change
 * made on another instance, this one may hold a tenant's keys cached with the old plan and the new, and requests
 * alternating between them would find a full bucket at every switch. With a bucket per rate they get at most what
 * the two buckets hold; a plan change moves the tenant to the new rate's bucket, full unless the tenant was on that
 * rate within its period.
 *
 * <p>This instance's leases are kept in a cache of at most {@value #MAX_TENANTS} (one per tenant, two for a while
 * after a plan change) that forgets one idle for the longest period of the plans; a lease dropped loses its unspent
 * tokens, which only refuses more. A request that got a lease before the cache dropped it (expired or evicted for
 * size while the request waited for its lock) spends none of what it holds and leases a single token for itself:
 * so only the cache's current lease of a bucket holds tokens to spend, and the bound above holds.
 *
 * <p>Thread-safe: the cache is concurrent and each tenant's lease synchronizes on itself, storage round trip
 * included, so that a tenant's concurrent requests on one instance take one batch, not one each; tenants never wait
 * for each other.
 */
final class RateLimiter {
  /** Most leases kept. */
  static final int MAX_TENANTS = 100_000;

  /** How long this instance uses its own buckets after the storage failed a lease, before trying it again. */
  static final Duration STORAGE_RETRY = Duration.ofSeconds(1);
  private static final long STORAGE_RETRY_MICROS = STORAGE_RETRY.toNanos() / 1_000;

  private static final System.Logger LOG = System.getLogger(RateLimiter.class.getName());

  /** Takes tokens from a tenant's shared bucket: {@link io.loyaltyengine.core.spi.ApiKeyPort#leaseTokens}. */
  @FunctionalInterface
  interface Leaser {
    /**
     * Leases up to {@code batch} tokens of the tenant's bucket at {@code rate}.
     *
     * @throws LoyaltyException STORAGE_UNAVAILABLE if the storage failed
     */
    RateBucket lease(long tenantId, RateLimit rate, int batch, long nowMicros);
  }

  private final AccessSettings settings;
  private final Clock clock;
  private final Leaser leaser;
  /** Null when no plans are configured: nothing is limited. */
  private final Cache<BucketId, Lease> leases;
  /**
   * Until when (engine microseconds) leases go to this instance's own buckets; 0 while the storage answers. Changed
   * atomically only: every tenant's requests read and write it, each under its own lease's lock, not a common one.
   */
  private final AtomicLong storageDownUntil = new AtomicLong();

  /** Whose bucket, at which rate. */
  private record BucketId(long tenantId, RateLimit rate) {
  }

  /** What this instance holds of one shared bucket. Guarded by itself, but for {@link #retired}. */
  private static final class Lease {
    /**
     * Dropped by the cache. Set by its eviction listener, atomically with the drop, so before a new lease of the
     * bucket can be made; not under this lock, which a storage round trip may hold.
     */
    volatile boolean retired;
    /** Tokens leased and not yet spent. */
    long tokens;
    /** Before this time (engine microseconds) the shared bucket has no token: refused without storage. */
    long emptyUntil;
    /** This instance's own bucket, used while the storage is unavailable; created then. */
    TokenBucket fallback;
  }

  RateLimiter(AccessSettings settings, Clock clock, Ticker ticker, Leaser leaser) {
    this.settings = settings;
    this.clock = clock;
    this.leaser = leaser;
    Duration longest = settings.plans().values().stream().map(RateLimit::period).max(Duration::compareTo)
        .orElse(null);
    this.leases = longest == null ? null : Caffeine.newBuilder()
        .maximumSize(MAX_TENANTS)
        .expireAfterAccess(longest)
        .ticker(ticker)
        .executor(Runnable::run)
        .evictionListener((BucketId id, Lease lease, RemovalCause cause) -> lease.retired = true)
        .build();
  }

  /** The tokens leased at once for {@code rate}: a tenth of its limit, at least 1. */
  static int batchOf(RateLimit rate) {
    return Math.max(1, rate.limit() / 10);
  }

  /**
   * Counts one request of the tenant on {@code plan}.
   *
   * @throws LoyaltyException RATE_LIMITED if the plan allows none now (the request is not counted); another
   *     LoyaltyException of the storage than STORAGE_UNAVAILABLE as it is
   */
  void acquire(long tenantId, String plan) {
    if (leases == null) {
      return;
    }
    RateLimit rate = settings.rateOf(plan);
    long now = micros(clock.instant());
    Lease lease = leases.get(new BucketId(tenantId, rate), id -> new Lease());
    long wait;
    synchronized (lease) {
      wait = take(lease, tenantId, rate, now);
    }
    if (wait > 0) {
      throw LoyaltyException.rateLimited(Duration.ofNanos(wait * 1_000));
    }
  }

  /** Takes a token for a request at {@code now}: 0, or how many microseconds until one is back. */
  private long take(Lease lease, long tenantId, RateLimit rate, long now) {
    // Read once: a lease retired during the round trip keeps what it gets, which nothing then spends.
    boolean retired = lease.retired;
    if (retired) {
      lease.tokens = 0; // lost with the lease: the cache's new lease of this bucket may hold tokens already
    }
    if (lease.tokens > 0) {
      lease.tokens--;
      return 0;
    }
    if (now < lease.emptyUntil) {
      return lease.emptyUntil - now;
    }
    long downUntil = storageDownUntil.get();
    // Further ahead than the retry time only if the clock was set back since the failure: tried again then, rather
    // than held to this instance's own buckets for as long as the clock went back.
    if (now < downUntil && downUntil - now <= STORAGE_RETRY_MICROS) {
      return fallback(lease, rate, now);
    }
    RateBucket bucket;
    try {
      bucket = leaser.lease(tenantId, rate, retired ? 1 : batchOf(rate), now);
    } catch (LoyaltyException e) {
      if (e.code() != ErrorCode.STORAGE_UNAVAILABLE) {
        throw e;
      }
      if (storageDownUntil.getAndSet(now + STORAGE_RETRY_MICROS) == 0) {
        // Once per outage; the exception's class only: its message may quote the statement's values.
        LOG.log(System.Logger.Level.WARNING, "rate limits fall back to this instance's own buckets: the storage"
            + " failed a token lease (" + (e.getCause() == null ? e.getClass() : e.getCause().getClass()).getName()
            + ")");
      }
      return fallback(lease, rate, now);
    }
    // Only a lease asked after the failure ends the fallback: one in flight when another failed (downUntil 0 when
    // it was read) says nothing of the storage since, and neither does one that a newer failure overtook.
    if (downUntil != 0 && storageDownUntil.compareAndSet(downUntil, 0)) {
      LOG.log(System.Logger.Level.INFO, "rate limits are shared through the storage again");
    }
    if (bucket.granted() > 0) {
      lease.tokens = bucket.granted() - 1L;
      return 0;
    }
    long wait = bucket.waitMicros(rate.limit(), periodMicros(rate), now);
    lease.emptyUntil = now + wait;
    return wait;
  }

  private static long fallback(Lease lease, RateLimit rate, long now) {
    if (lease.fallback == null) {
      lease.fallback = new TokenBucket(rate, now);
    }
    return lease.fallback.tryTake(now);
  }

  /**
   * The period of {@code rate} in microseconds, the buckets' unit; a fraction of one counts as a whole one, so that a
   * bucket never refills faster than the plan allows.
   */
  static long periodMicros(RateLimit rate) {
    return (rate.period().toNanos() + 999) / 1_000;
  }

  static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }
}
