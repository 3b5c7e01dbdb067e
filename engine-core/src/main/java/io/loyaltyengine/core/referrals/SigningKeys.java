package io.loyaltyengine.core.referrals;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.SigningKeyInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tenants' keys for signed referral codes, cached per engine as one {@link SignedCodes} per tenant.
 *
 * <h2>Making keys</h2>
 * A tenant's key 1 is made on first need (the first code issued): inserted if absent, then the tenant's keys are
 * read back, so of two instances making it at once both use the one that won. A rotation inserts the highest
 * number plus one, only while the tenant keeps fewer than {@link Referrals#MAX_SIGNING_KEYS} keys (one statement,
 * {@code ReferralPort.insertNextKey}), trying the next number when another rotation took it. Key 1 is made and keys
 * are read for signing in units of work of their own, on the engine's own transactions (never a host's), and cached
 * only after those commit: a key that a rolled-back transaction made can never sign a code. A rotation runs in its
 * scope's transactions, so inside a host's transaction it commits or rolls back with the host's work (a tenant
 * without keys gets key 1 in one of the engine's own first, so the rotation makes key 2); it then caches nothing and
 * makes the tenant's cached set due ({@link #forget}), so this instance's next signing reads what is committed (the
 * new key once the host committed, within {@link #SIGNER_REFRESH} when a signing in between cached the old set, as
 * for another instance's rotation). A rotation whose commit's outcome is unknown (STORAGE_UNAVAILABLE: it may have
 * been made) makes the tenant's cached set due too, so this instance's next signing reads the keys, and signs with
 * the new one if it was made, as after a rotation that returned.
 *
 * <h2>Retiring keys</h2>
 * A retirement deletes the key ({@code ReferralPort.retireKey}: one conditional DELETE, only below the tenant's
 * highest key, so there is always one to sign with). Numbers are never reused, as every key is made above the
 * highest, which is never retired: a number below the highest that a set lacks was retired. The retirement runs in
 * its scope's transactions as a rotation does, makes the tenant's cached set due (also when its commit's outcome
 * is unknown) and, outside a host's transaction, caches the set it read after the deletion: this instance refuses
 * the key at once. Inside a host's transaction it caches nothing: this instance refuses the key once the host committed,
 * within {@link #SIGNER_REFRESH} when a read in between cached the set still holding it.
 *
 * <h2>Staying current</h2>
 * Another instance's rotation or retirement reaches this one within {@link #SIGNER_REFRESH}: a cached set whose read
 * began longer ago than that, or later than now (the clock was set back), is read again before it signs or verifies.
 * A read reaching the cache is merged with the set there ({@link SignedCodes#merge}), never simply replaces it: of
 * two reads of a tenant's keys, the key set is the later one's, plus nothing the earlier one saw retired; so a read
 * begun before a rotation or a retirement here that reaches the cache after it neither hides the new key nor brings
 * the retired one back.
 *
 * <h2>Verifying</h2>
 * Verification runs inside the caller's unit of work. A code naming a key the cache does not hold, or a cached set
 * due to be read again, reloads the tenant's keys (another instance may have rotated or retired) from that unit of
 * work, and caches them unless it joins a host's transaction (which may hold a rotation or retirement of its own
 * that could still roll back). What it caches is stamped with when the database it read was, no later: a unit of
 * work at one snapshot ({@code Referrals.decode}) shows the keys as they were at its first statement, before the
 * verification began. Only a number above the highest cached one can be new: a lower number the set lacks
 * is retired (or never was), and is refused without a read.
 *
 * <p>A set is read again ahead of time: from {@link #REFRESH_AHEAD} before it is due, the first verification or
 * signing that finds it so reads the keys, and the others meanwhile verify or sign with the set, which is still
 * fresh. Otherwise every call of a busy tenant that found the set due would read the keys itself until one of those
 * reads reached the cache: as many reads at once, each minute, as calls in flight, the more the slower the database
 * answers. Only when no call read it by the time it is due do they each read it (one read that failed, or that the
 * cache did not keep, in a host's transaction, lets the next one try).
 *
 * <p>A read in a host's transaction that finds exactly the cached set (same numbers, same secrets) refreshes it, as
 * a read of the engine's own would: otherwise a host verifying codes only inside its own transactions would read the
 * keys at every verification once the set was a minute old. Such a read proves the set is what is committed. The
 * host's transaction runs at READ COMMITTED (as {@code JdbcHostTransaction} requires), so it reads the committed
 * keys with its own uncommitted changes; as numbers only grow, the highest key is never retired and a retired one
 * never returns, the committed keys differ from the cached set (an earlier committed one) only by keys added above
 * it or keys retired from it, and the host's own changes only add a key above every committed one or hide a
 * committed one below the highest: none of these leaves the read equal to the cached set. A read there that
 * differs serves that verification only; the next read of the engine's own refreshes the set.
 *
 * <p>A host's transaction in which this engine rotated or retired one of the tenant's keys never verifies from the
 * cache: it reads the keys each time, its own change included. The change made the cached set due, but a call outside
 * that transaction may cache the committed set again at once (the retired key still in it until the host commits),
 * and the host's transaction must refuse the key it retired ({@code Referrals.retireSigningKey}). Such transactions
 * are remembered by what stands for them ({@code Storage.hostTransactionIdentity}: a JDBC host's connection, so that
 * a host wrapping it anew for each call is recognised), as long as the host holds that; a later transaction of the
 * host's on the same connection then reads the tenant's keys at each verification too, a cost only.
 *
 * <h2>Memory</h2>
 * Each key of a cached set keeps an initialised {@code Mac} for every thread that signed or verified with it
 * ({@link SignedCodes}), so the cache holds at most {@value #MAX_CACHED_TENANTS} tenants' sets, and drops a set
 * that no signing or verifying used for {@link #IDLE} by the engine's clock: a host's many tenants, or the
 * tenants that went quiet, are not held for the engine's life. A set is read again once {@link #SIGNER_REFRESH} has
 * passed anyway, so a dropped one costs one read of the tenant's keys. The one race a drop opens: a read begun before
 * a rotation or retirement here that reaches the cache after the changed set was dropped for size caches the older
 * set, which then signs with the older key (its codes stay valid) or verifies the retired one until
 * {@link #SIGNER_REFRESH} after that read began: never later than other instances do.
 *
 * <p>Thread-safe: the cache is a concurrent map (Caffeine's) of immutable values, each change a merge in it.
 */
public final class SigningKeys {
  /**
   * How many numbers a rotation tries when concurrent rotations take them first; also how often a retirement tries
   * again when a rotation committed under it.
   */
  private static final int MAX_ROTATION_ATTEMPTS = 10;
  private static final String KEY_ID = "keyId";

  private final Transactions transactions;
  private final Clock clock;
  /**
   * How long a cached key set signs and verifies before it is read again, so that other instances' rotations and
   * retirements reach this one.
   */
  public static final java.time.Duration SIGNER_REFRESH = java.time.Duration.ofMinutes(1);
  /** How long before a cached set is due one call reads it again while the others verify or sign with it. */
  static final Duration REFRESH_AHEAD = Duration.ofSeconds(10);

  /** Most tenants' key sets cached. */
  static final int MAX_CACHED_TENANTS = 10_000;
  /** How long a set that no signing or verifying used stays cached. */
  public static final Duration IDLE = Duration.ofMinutes(10);

  /** Caffeine's, for its maintenance and size; {@link #byTenant} is its map view. */
  private final Cache<Long, Cached> cache;
  private final ConcurrentMap<Long, Cached> byTenant;

  /**
   * A tenant's key set, when its read began, and whether a verification or signing claimed reading it again ahead of
   * time.
   */
  private record Cached(SignedCodes codes, Instant loadedAt, AtomicBoolean refreshing) {
    Cached(SignedCodes codes, Instant loadedAt) {
      this(codes, loadedAt, new AtomicBoolean());
    }

    /**
     * Whether the caller, at {@code now}, is the one to read the set again ahead of time: it is within
     * {@link #REFRESH_AHEAD} of being due and no other caller claimed that yet.
     */
    boolean claimRefresh(Instant now) {
      return !now.isBefore(loadedAt.plus(SIGNER_REFRESH).minus(REFRESH_AHEAD)) && !refreshing.get()
          && refreshing.compareAndSet(false, true);
    }
  }

  /**
   * The tenants whose keys a scope joining each host's transaction rotated or retired here, by what stands for the
   * transaction ({@link Transactions#hostIdentity}; weak keys, compared by identity: dropped once the host lets go
   * of it).
   */
  private final Cache<Object, Set<Long>> changedInHost = Caffeine.newBuilder().weakKeys().build();

  /**
   * Creates an empty cache.
   *
   * @param transactions the engine's own transactions (not bound to a host transaction)
   * @param clock when keys are made; also times how long a set stays cached unused
   */
  public SigningKeys(Transactions transactions, Clock clock) {
    this.transactions = transactions;
    this.clock = clock;
    this.cache = Caffeine.newBuilder()
        .maximumSize(MAX_CACHED_TENANTS)
        .expireAfterAccess(IDLE)
        .ticker(() -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .executor(Runnable::run)
        .build();
    this.byTenant = cache.asMap();
  }

  /**
   * The tenant's codes for signing, making its first key if it has none. Runs its own unit of work on a cache miss,
   * so call it outside any unit of work.
   */
  public SignedCodes signer(long tenantId) {
    Instant readAt = now();
    Cached cached = byTenant.get(tenantId);
    boolean claimed = false;
    if (cached != null && fresh(cached.loadedAt, readAt)) {
      if (!cached.claimRefresh(readAt)) {
        return cached.codes;
      }
      claimed = true; // this signing reads the set again ahead of time; the others go on with it
    }
    boolean kept = false;
    try {
      List<SigningKey> keys = transactions.run(tx -> keysMakingTheFirst(tx, tenantId));
      SignedCodes read = remember(tenantId, codesFor(tenantId, cached == null ? null : cached.codes, keys), readAt);
      kept = true;
      return read;
    } finally {
      if (claimed && !kept) {
        cached.refreshing.set(false); // the read failed: the next signing may try
      }
    }
  }

  /**
   * Whether a set whose read began at {@code loadedAt} still signs and verifies at {@code now}: less than
   * {@link #SIGNER_REFRESH} after it, by the engine's clock. A read that began after now (the clock was set back
   * since) is read again, so that a clock going back does not keep a set for as long as it went back.
   */
  static boolean fresh(Instant loadedAt, Instant now) {
    return !now.isBefore(loadedAt) && loadedAt.plus(SIGNER_REFRESH).isAfter(now);
  }

  /** The tenant's keys, key 1 made first if it has none. */
  private List<SigningKey> keysMakingTheFirst(Transaction tx, long tenantId) {
    List<SigningKey> read = tx.referrals().keys(tenantId);
    if (read.isEmpty()) {
      tx.referrals().insertKey(SignedCodes.newKey(tenantId, 1, now()));
      read = tx.referrals().keys(tenantId);
    }
    return read;
  }

  /**
   * The codes of a key set read again: the cached ones when the read found exactly their keys (the usual refresh,
   * each minute: their threads keep the {@code Mac}s they set up), new ones otherwise.
   */
  static SignedCodes codesFor(long tenantId, SignedCodes cached, List<SigningKey> read) {
    return cached != null && cached.holdsExactly(read) ? cached : new SignedCodes(tenantId, read);
  }

  /**
   * The tenant's codes for verifying a code signed with key {@code keyId} ({@code -1} when the code names none),
   * reading the tenant's keys in {@code tx} when the cache cannot hold that key yet or its set is due to be read again
   * (another instance may have retired a key it holds), and always when {@code tx} is a host's transaction in which
   * this engine changed the tenant's keys.
   *
   * @param host what stands for the host's transaction {@code tx} joins ({@link Transactions#hostIdentity}), or null
   *     when it is one of the engine's own (which reads only committed keys): only then is what it reads cached
   * @param readsFrom a time no later than the database as {@code tx} reads it, which stamps what is cached: at one
   *     snapshot ({@link Transactions#runRead}) a time taken before the unit of work's first statement, whose
   *     snapshot the keys' read shows; at READ COMMITTED any time before this call
   * @return the codes, or null when the tenant has no key at all (so no signed code of it can be valid)
   */
  public SignedCodes verifier(Transaction tx, long tenantId, int keyId, Object host, Instant readsFrom) {
    Instant readAt = now();
    Cached entry = byTenant.get(tenantId);
    SignedCodes cached = entry == null ? null : entry.codes;
    boolean claimed = false;
    if (cached != null && fresh(entry.loadedAt, readAt)
        && (cached.hasKey(keyId) || keyId <= cached.signingKeyId()) && !changedKeys(host, tenantId)) {
      if (!entry.claimRefresh(readAt)) {
        return cached;
      }
      claimed = true; // this verification reads the set again ahead of time; the others go on with it
    }
    boolean kept = false;
    try {
      List<SigningKey> keys = tx.referrals().keys(tenantId);
      if (keys.isEmpty()) {
        return null;
      }
      SignedCodes read = codesFor(tenantId, cached, keys);
      // A host's read that found exactly the cached set proves that set is what is committed (see the class
      // description), so it refreshes the set as a read of the engine's own would; any other is the host's alone.
      kept = host == null || read == cached;
      // Stamped with when the database it shows was, as a read of its own is (see remember).
      return kept ? remember(tenantId, read, readsFrom.isBefore(readAt) ? readsFrom : readAt) : read;
    } finally {
      if (claimed && !kept) {
        entry.refreshing.set(false); // not kept: the next verification may try
      }
    }
  }

  /** Whether this engine rotated or retired one of the tenant's keys in the host's transaction {@code host}. */
  private boolean changedKeys(Object host, long tenantId) {
    if (host == null) {
      return false;
    }
    Set<Long> tenants = changedInHost.getIfPresent(host);
    return tenants != null && tenants.contains(tenantId);
  }

  /**
   * Remembers, before a change of the tenant's keys runs in {@code scope}, that a host's transaction it joins holds
   * such a change: from then on that transaction verifies from its own reads, not from the cache.
   */
  private void markChange(Transactions scope, long tenantId) {
    Object host = scope.hostIdentity();
    if (host != null) {
      changedInHost.get(host, h -> ConcurrentHashMap.newKeySet()).add(tenantId);
    }
  }

  /**
   * Makes the tenant's next key in {@code scope}'s transactions, which signs from now on (on this instance at once, or
   * once the host commits; on others within {@link #SIGNER_REFRESH}; they verify codes under it at once, since an
   * unknown key number makes them reload).
   *
   * @param scope the transactions of the rotating scope, possibly joining a host's
   * @return the new key's number
   * @throws LoyaltyException NOT_FOUND for an unknown tenant; CONFLICT on {@code signingKeys} if the tenant keeps
   *     {@link Referrals#MAX_SIGNING_KEYS} keys; CONFLICT if concurrent rotations kept taking the next number
   */
  public int rotate(Transactions scope, long tenantId) {
    if (scope.joinHost()) {
      // Key 1 first, committed in a transaction of the engine's own: made in the host's, a signing later in it would
      // try to make key 1 in one of the engine's own and wait for the host's uncommitted key, on the host's thread.
      transactions.run(tx -> {
        TenantService.require(tx, tenantId);
        return keysMakingTheFirst(tx, tenantId);
      });
    }
    markChange(scope, tenantId);
    Instant readAt = now();
    // Forgets the cached set also when the commit's outcome is unknown: the next signing reads what was committed.
    SignedCodes rotated = scope.runThenForget(tx -> {
      TenantService.require(tx, tenantId);
      for (int attempt = 0; attempt < MAX_ROTATION_ATTEMPTS; attempt++) {
        List<SigningKey> keys = tx.referrals().keys(tenantId);
        if (keys.size() >= Referrals.MAX_SIGNING_KEYS) {
          throw full();
        }
        if (tx.referrals().insertNextKey(SignedCodes.newKey(tenantId, highest(keys) + 1, now()),
            Referrals.MAX_SIGNING_KEYS)) {
          return new SignedCodes(tenantId, tx.referrals().keys(tenantId));
        }
      }
      throw new LoyaltyException(ErrorCode.CONFLICT, null, "the signing key was rotated concurrently; retry");
    }, () -> forget(tenantId));
    if (!scope.joinHost()) {
      remember(tenantId, rotated, readAt); // else not committed yet: the next signing reads what is
    }
    return rotated.signingKeyId();
  }

  /**
   * Retires the tenant's key {@code keyId} in {@code scope}'s transactions: deleted, so no instance verifies it once
   * it has read the tenant's keys again; this one at once (or once the host commits), as it makes the tenant's cached
   * set due and caches the set read after the deletion. Idempotent.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code keyId} below 1; NOT_FOUND for an unknown tenant or a key it
   *     never had; CONFLICT on {@code keyId} for the key that signs
   */
  public void retire(Transactions scope, long tenantId, int keyId) {
    if (keyId < 1) {
      throw LoyaltyException.validation(KEY_ID, "keyId must be at least 1");
    }
    markChange(scope, tenantId);
    Instant readAt = now();
    SignedCodes kept = scope.runThenForget(tx -> {
      TenantService.require(tx, tenantId);
      for (int attempt = 0; attempt < MAX_ROTATION_ATTEMPTS; attempt++) {
        boolean retired = tx.referrals().retireKey(tenantId, keyId);
        List<SigningKey> keys = tx.referrals().keys(tenantId);
        if (retired) {
          return new SignedCodes(tenantId, keys);
        }
        int highest = highest(keys);
        if (keyId > highest) {
          throw LoyaltyException.notFound("signing key");
        }
        if (keyId == highest) {
          throw LoyaltyException.conflict(KEY_ID, "key " + keyId + " signs new codes and cannot be retired;"
              + " rotate first, then retire it");
        }
        if (keys.stream().noneMatch(k -> k.keyId() == keyId)) {
          // Below the highest and gone: retired before, as numbers are made without gaps.
          return new SignedCodes(tenantId, keys);
        }
        // Still here below the highest: a rotation committed after the DELETE's snapshot made it so; try again.
      }
      throw new LoyaltyException(ErrorCode.CONFLICT, null, "the signing keys changed concurrently; retry");
    }, () -> forget(tenantId));
    if (!scope.joinHost()) {
      remember(tenantId, kept, readAt);
    }
  }

  /**
   * The tenant's keys as stored (no secret leaves this method), read in {@code scope}'s transactions, at one snapshot
   * with the tenant: it makes no key (on H2 it takes no write turn).
   *
   * @throws LoyaltyException NOT_FOUND for an unknown tenant
   */
  public List<SigningKeyInfo> list(Transactions scope, long tenantId) {
    return scope.runRead(tx -> {
      TenantService.require(tx, tenantId);
      List<SigningKey> keys = tx.referrals().keys(tenantId);
      int highest = highest(keys);
      return keys.stream().map(k -> new SigningKeyInfo(k.keyId(), k.createdAt(), k.keyId() == highest)).toList();
    });
  }

  private static LoyaltyException full() {
    return LoyaltyException.conflict("signingKeys", "the tenant keeps " + Referrals.MAX_SIGNING_KEYS
        + " signing keys, the most allowed; retire one before rotating");
  }

  private static int highest(List<SigningKey> keys) {
    int max = 0;
    for (SigningKey k : keys) {
      max = Math.max(max, k.keyId());
    }
    return max;
  }

  /**
   * Caches {@code loaded}, read from {@code readAt} on, merged with the set cached already
   * ({@link SignedCodes#merge}: neither read's rotation is lost, nor a key either saw retired kept); returns what is
   * cached. Stamped with the time its read began, not now: a read that saw the keys just before another instance
   * rotated or retired one may reach the cache much later, and must not be trusted for a whole
   * {@link #SIGNER_REFRESH} from then. The merge knows at least what that read knew, so its stamp is safe; when the
   * set cached already was read later, the merge is read again sooner than it need be, never later.
   */
  private SignedCodes remember(long tenantId, SignedCodes loaded, Instant readAt) {
    return byTenant.merge(tenantId, new Cached(loaded, readAt),
        (old, fresh) -> new Cached(old.codes.merge(fresh.codes), fresh.loadedAt)).codes;
  }

  /**
   * Makes the tenant's cached set due to be read again, after a change of its keys here that a transaction may have
   * committed or will commit (a host's). The set is kept, for the merge, not dropped: it knows what an older read
   * must not bring back. Dropped, a read begun before a retirement here that reached the cache after this would be
   * cached as it was, the retired key in it, and verify it on this instance for up to {@link #SIGNER_REFRESH}
   * after the retirement had returned.
   */
  private void forget(long tenantId) {
    byTenant.computeIfPresent(tenantId, (id, cached) -> new Cached(cached.codes, Instant.EPOCH));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  /** How many tenants' key sets are cached. */
  long cachedTenants() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  @Override
  public String toString() {
    return "SigningKeys[" + byTenant.size() + " tenants cached]";
  }
}
