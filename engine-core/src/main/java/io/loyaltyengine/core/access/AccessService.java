package io.loyaltyengine.core.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.Access;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiCaller;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.spi.ApiKeyRecord;
import io.loyaltyengine.tenant.Tenant;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authentication of API keys, and the rate limits of tenants' plans shared by the engine instances on one storage.
 *
 * <h2>Authenticating</h2>
 * A key is parsed ({@link ApiKeyFormat#parse}, refusing anything malformed without reading storage), its row read
 * by (tenant, key id) with its tenant's plan, and the SHA-256 of the presented key compared with the stored one in
 * constant time. Every refusal is one UNAUTHENTICATED on {@code apiKey} with {@link #UNAUTHENTICATED_MESSAGE}, which
 * never repeats the key. A key without the scope asked for is FORBIDDEN on {@code scope}; then the tenant's plan
 * is counted ({@link RateLimiter}: tokens leased in batches from the tenant's bucket in storage, so that every instance
 * on the storage is held to one limit). Only requests that pass every check are counted.
 *
 * <h2>Key cache</h2>
 * Keys found are cached by (tenant, key id) with their hash, scopes, revocation and tenant's plan, until
 * {@link AccessSettings#keyCacheTtl()} after their read began by the engine's clock (not after it reached the cache,
 * which may be later: a read that saw a key just before another instance revoked it is trusted one TTL from the
 * revocation at most); at most {@value #MAX_CACHED_KEYS} of them. Keys not found are never cached, so a flood of
 * made-up keys cannot fill the cache or push real keys out: each costs one primary-key read instead. A revocation,
 * deletion or plan change made through this engine drops the entries concerned at once, also when its commit's
 * answer was lost (it may have committed); one made by another instance is seen here once the entry expires. A TTL
 * of 0 turns the cache off.
 *
 * <p>A key revoked or deleted here inside a host's transaction is still live for the engine's own reads until the
 * host commits, and the engine is not told when that is (a JDBC connection has no commit listener). So for one TTL
 * the key is read at every authentication and never cached: the first request after the commit is refused. A host
 * that commits later than that is seen within the TTL, as another instance's revocation is; one that rolls back
 * leaves the key live, cached again after that TTL.
 *
 * <p>A read of a key in flight when a plan change through this engine commits may have seen the old plan, and is
 * cached after the change dropped the tenant's entries (a revocation does not have this race: Caffeine's
 * invalidation of one key waits for its load). So each entry carries the count of plan changes made here when its
 * read began, and an entry read before the latest one is read again: plan changes are rare, and each costs every
 * cached key one more read at most.
 *
 * <p>Thread-safe: the caches are concurrent, their values immutable.
 */
public final class AccessService implements Access {
  /** The one message of every refused key. */
  public static final String UNAUTHENTICATED_MESSAGE = "the API key is missing, malformed, unknown or revoked";

  /** What a presented key's hash is compared with when its row does not exist: the same work as when it does. */
  private static final byte[] NO_KEY_HASH = ApiKeyFormat.hash("no such key");

  /** Most keys cached. */
  static final int MAX_CACHED_KEYS = 10_000;

  private final Transactions transactions;
  /** The engine's clock in nanoseconds: times the caches and the buckets. */
  private final Ticker ticker;
  /** Null when the TTL is 0. */
  private final Cache<ApiKeyFormat.KeyId, VerifiedKey> keys;
  private final RateLimiter limiter;
  /** Plan changes made through this engine; an entry read before the latest may hold the old plan. */
  private final AtomicLong planChanges = new AtomicLong();
  /**
   * Keys revoked or deleted here inside a host's transaction, for one TTL from then: read at every authentication,
   * never cached, since the host may not have committed yet. Null when the TTL is 0.
   */
  private final Cache<ApiKeyFormat.KeyId, Boolean> uncommitted;

  /**
   * What authentication needs of a stored key and its tenant.
   *
   * @param planChangesBefore {@link #planChanges} when the read began
   * @param readAt the {@link #ticker}'s time when the read began, from which the entry lives one TTL
   */
  private record VerifiedKey(byte[] hash, Set<ApiScope> scopes, boolean revoked, String plan,
      long planChangesBefore, long readAt) {
  }

  /**
   * Creates the service.
   *
   * @param transactions the engine's own transactions (never a host's: what is cached must be committed)
   * @param settings the engine's access settings
   * @param clock the engine's clock, which times the cache and the buckets (shared buckets are refilled by the
   *     clock of the instance leasing: instances' clocks should agree, as for every other time the engine stores)
   */
  public AccessService(Transactions transactions, AccessSettings settings, Clock clock) {
    this.transactions = transactions;
    Ticker ticker = () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
    this.ticker = ticker;
    this.keys = settings.keyCacheTtl().isZero() ? null : Caffeine.newBuilder()
        .maximumSize(MAX_CACHED_KEYS)
        .expireAfter(fromRead(settings.keyCacheTtl().toNanos()))
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
    // Bounded like the key cache, against a host revoking keys without end; revocations are rare.
    this.uncommitted = settings.keyCacheTtl().isZero() ? null : Caffeine.newBuilder()
        .maximumSize(MAX_CACHED_KEYS)
        .expireAfterWrite(settings.keyCacheTtl())
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
    this.limiter = new RateLimiter(settings, clock, ticker, (tenantId, rate, batch, now) -> transactions.run(tx ->
        tx.apiKeys().leaseTokens(tenantId, rate.limit(), RateLimiter.periodMicros(rate), batch, now)));
  }

  @Override
  public ApiCaller authenticate(String presentedKey, ApiScope required) {
    Objects.requireNonNull(required, "required");
    // A cached key would otherwise still be accepted by a closed engine.
    transactions.ensureOpen();
    ApiKeyFormat.KeyId id = ApiKeyFormat.parse(presentedKey);
    if (id == null) {
      throw unauthenticated();
    }
    VerifiedKey key = keys == null ? load(id) : cached(id);
    // Hashed and compared even when the key is unknown (against a fixed hash), so that the work done does not tell
    // whether the key id exists.
    byte[] presented = ApiKeyFormat.hash(presentedKey);
    boolean matches = MessageDigest.isEqual(key == null ? NO_KEY_HASH : key.hash, presented);
    if (key == null || !matches || key.revoked) {
      throw unauthenticated();
    }
    if (!key.scopes.contains(required)) {
      throw new LoyaltyException(ErrorCode.FORBIDDEN, "scope", "the API key lacks the scope " + required);
    }
    limiter.acquire(id.tenantId(), key.plan);
    return new ApiCaller(id.tenantId(), id.keyId(), key.scopes);
  }

  /**
   * Drops a key from this instance's cache after it was revoked or deleted here. Changed inside a host's transaction
   * ({@code committed} false), the key stays live for the engine's own reads until the host commits, which the engine
   * is not told of: so for one TTL it is read at every authentication and never cached, and is refused here as soon
   * as the host commits within that time (a commit later still is seen within the TTL, as on other instances).
   *
   * @param committed whether the change has committed (false when made inside a host's transaction)
   */
  public void forgetKey(long tenantId, long keyId, boolean committed) {
    if (keys != null) {
      ApiKeyFormat.KeyId id = new ApiKeyFormat.KeyId(tenantId, keyId);
      if (!committed) {
        // Marked before the entry is dropped: a read that missed the mark is dropped by the invalidation (which
        // waits for a load in flight) or, if it cached the key after it, by its own look at the mark in cached().
        uncommitted.put(id, Boolean.TRUE);
      }
      keys.invalidate(id);
    }
  }

  /** Drops every key of a tenant from this instance's cache (after its plan changed here). */
  public void forgetTenant(long tenantId) {
    if (keys != null) {
      // Counted first: a read in flight, which removeIf does not see, is then read again when next used.
      planChanges.incrementAndGet();
      keys.asMap().keySet().removeIf(id -> id.tenantId() == tenantId);
    }
  }

  /**
   * The key from the cache, read again if its read began before the latest plan change made here or after now (the
   * clock was set back since); read and not kept while a change to it inside a host's transaction may not have
   * committed.
   */
  private VerifiedKey cached(ApiKeyFormat.KeyId id) {
    if (uncommitted.getIfPresent(id) != null) {
      return load(id);
    }
    VerifiedKey key = keys.get(id, this::load);
    // A read that began after now was made before the clock was set back: its entry would live one TTL from that
    // later time, as long again as the clock went back, so a revocation elsewhere would go unseen past the TTL.
    if (key != null && (key.planChangesBefore != planChanges.get() || key.readAt - ticker.read() > 0)) {
      keys.asMap().remove(id, key);
      key = keys.get(id, this::load);
    }
    if (key != null && uncommitted.getIfPresent(id) != null) {
      // Revoked or deleted in a host's transaction while this was read: what was read may be undone by the commit.
      keys.asMap().remove(id, key);
    }
    return key;
  }

  /**
   * Entries live one TTL from their read's start, not from when they were cached: a read that saw a key live just
   * before another instance revoked it may reach the cache much later (a slow commit, a pause), and would otherwise
   * be trusted for a TTL after that.
   */
  private static Expiry<ApiKeyFormat.KeyId, VerifiedKey> fromRead(long ttlNanos) {
    return new Expiry<>() {
      @Override
      public long expireAfterCreate(ApiKeyFormat.KeyId id, VerifiedKey key, long currentTime) {
        // Capped at the TTL should the clock have been set back since the read.
        return Math.max(0, Math.min(ttlNanos, key.readAt + ttlNanos - currentTime));
      }

      @Override
      public long expireAfterUpdate(ApiKeyFormat.KeyId id, VerifiedKey key, long currentTime, long currentDuration) {
        return expireAfterCreate(id, key, currentTime);
      }

      @Override
      public long expireAfterRead(ApiKeyFormat.KeyId id, VerifiedKey key, long currentTime, long currentDuration) {
        return currentDuration;
      }
    };
  }

  /** Reads a key and its tenant's plan; null (not cached) if either does not exist. */
  private VerifiedKey load(ApiKeyFormat.KeyId id) {
    long planChangesBefore = planChanges.get();
    long readAt = ticker.read();
    return transactions.runRead(tx -> {
      ApiKeyRecord key = tx.apiKeys().find(id.tenantId(), id.keyId()).orElse(null);
      if (key == null) {
        return null;
      }
      Tenant tenant = tx.tenants().find(id.tenantId()).orElse(null);
      return tenant == null ? null : new VerifiedKey(HexFormat.of().parseHex(key.secretHash()), key.scopes(),
          key.revokedAt() != null, tenant.plan(), planChangesBefore, readAt);
    });
  }

  private static LoyaltyException unauthenticated() {
    return new LoyaltyException(ErrorCode.UNAUTHENTICATED, "apiKey", UNAUTHENTICATED_MESSAGE);
  }
}
