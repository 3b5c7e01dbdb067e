package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.core.spi.ApiKeyPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link io.loyaltyengine.access} promises across engine instances sharing one database, on one backend per
 * subclass, with three engines of three threads each and one {@link SettableClock} that stands still unless a test
 * moves it (so that each round of requests, released together, sees one instant):
 * <ul>
 *   <li>a key revoked or deleted on one instance is refused by the others within the key cache TTL
 *       ({@link AccessSettings#keyCacheTtl}: entries live one TTL from their read), and by the one that did it at
 *       once;</li>
 *   <li>a plan change made on one instance holds the others to the new plan within the TTL;</li>
 *   <li>over any interval of length {@code d}, the instances let a tenant through at most
 *       {@code limit + limit * d / period + N * (batch - 1)} requests ({@link AccessSettings}), and every
 *       {@code retryAfter} is at most one token's refill time, after which a retry on some instance goes through;
 *       with clocks that disagree by up to {@code s}, at most the refill of {@code s} more;</li>
 *   <li>while the storage fails leases, each instance holds the tenant to a bucket of its own, and goes back to the
 *       shared bucket one second after the failure once the storage answers.</li>
 * </ul>
 * The single-engine races of the key cache are {@link AccessCacheRaceTestBase}'s and
 * {@link AccessCacheConcurrencyTestBase}'s; the two-engine basics are in the API keys' contract suite.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class AccessAcrossInstancesTestBase {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30Z");
  private static final int INSTANCES = 3;
  private static final int THREADS_EACH = 3;
  private static final Duration TTL = AccessSettings.DEFAULTS.keyCacheTtl();
  private static final Duration MICRO = Duration.ofNanos(1_000);

  private final SettableClock clock = SettableClock.at(START);
  private final TestEngines built = new TestEngines();
  private final JdbcFixture fixture = createFixture();
  private final ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * THREADS_EACH);
  /** Per engine: whether its storage fails every token lease. */
  private final List<AtomicBoolean> leasesFail = new ArrayList<>();
  private final List<LoyaltyEngine> engines = new ArrayList<>();

  /** A fixture on a fresh, empty database that engines on several storages can share. */
  abstract JdbcFixture createFixture();

  @AfterEach
  void close() {
    pool.shutdownNow();
    built.close();
    fixture.close();
  }

  /**
   * Builds the engines on one database, each on a storage whose token leases fail while its flag is set; engine
   * {@code i}'s clock is {@link #clock} moved by {@code offsets[i]} (by none without offsets).
   */
  private void start(AccessSettings access, Duration... offsets) {
    for (int i = 0; i < INSTANCES; i++) {
      AtomicBoolean fail = new AtomicBoolean();
      leasesFail.add(fail);
      Storage storage = new InterceptingStorage(fixture.openStorage(), tx -> new ForwardingTransaction(tx) {
        @Override
        public ApiKeyPort apiKeys() {
          return InterceptingStorage.intercept(ApiKeyPort.class, tx.apiKeys(), (method, args, port) -> {
            if (method.getName().equals("leaseTokens") && fail.get()) {
              throw new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null, "test: the storage is unavailable");
            }
            return InterceptingStorage.invoke(method, port, args);
          });
        }
      });
      Clock own = offsets.length == 0 ? clock : Clock.offset(clock, offsets[i]);
      engines.add(built.build(built.builder(storage, 0).clock(own).access(access)));
    }
  }

  /**
   * A key revoked and another deleted on the first engine, which the second engine read half a TTL before and the
   * third just before: each other engine trusts what it read until one TTL from its read, and refuses the keys from
   * then on, so both refuse them one TTL after the change at the latest; the first refuses them at once. Every round
   * has all threads of every engine authenticate both keys, the clock standing still, and every engine must answer
   * alike on all its threads.
   */
  @Test
  void aKeyRevokedOrDeletedOnOneInstanceIsRefusedByTheOthersWithinOneTtlOfTheirRead() throws Exception {
    start(AccessSettings.DEFAULTS); // no plans: nothing is rate limited, every answer is about the key
    LoyaltyEngine changing = engines.get(0);
    long t = changing.tenants().create(NewTenant.business("Acme")).id();
    ApiKeys keys = changing.forTenant(t).apiKeys();
    IssuedApiKey revoked = keys.issue(NewApiKey.of("revoked", ApiScope.READ));
    IssuedApiKey deleted = keys.issue(NewApiKey.of("deleted", ApiScope.READ));
    List<String> both = List.of(revoked.secret(), deleted.secret());

    for (String key : both) {
      assertEquals(null, code(engines.get(1), key, ApiScope.READ), "the second engine reads both keys");
    }
    clock.advance(TTL.dividedBy(2));
    Instant changed = clock.instant();
    for (String key : both) {
      assertEquals(null, code(engines.get(2), key, ApiScope.READ), "the third engine reads both keys");
    }
    keys.revoke(revoked.key().id());
    keys.delete(deleted.key().id());

    int all = 2 * THREADS_EACH * 10;
    assertEquals(List.of(0, all, all), accepted(both, 10), "refused at once where changed; within the TTL others"
        + " may still trust their reads");
    clock.set(changed.plus(TTL.dividedBy(2)).minus(MICRO));
    assertEquals(List.of(0, all, all), accepted(both, 10), "just before the second engine's read is one TTL old");
    clock.set(changed.plus(TTL.dividedBy(2)));
    assertEquals(List.of(0, 0, all), accepted(both, 10), "the second engine's read is one TTL old: refused there");
    clock.set(changed.plus(TTL).minus(MICRO));
    assertEquals(List.of(0, 0, all), accepted(both, 10), "just before the third engine's read is one TTL old");
    clock.set(changed.plus(TTL));
    assertEquals(List.of(0, 0, 0), accepted(both, 10), "one TTL after the change every engine refuses both keys");
    clock.advance(TTL.multipliedBy(3));
    assertEquals(List.of(0, 0, 0), accepted(both, 10), "and goes on refusing them");
  }

  /**
   * Keys revoked on the first engine inside a host's transaction. Until the host commits, every engine accepts them
   * (the revocation is not committed), and the second engine reads them meanwhile. Once the host commits, the first
   * engine refuses the committed one at once, as does the third, which had not read it; the second trusts its read
   * until one TTL from it. The other key, revoked in a host transaction that rolls back, stays accepted everywhere,
   * also one TTL later.
   */
  @Test
  void aKeyRevokedInAHostTransactionIsRefusedElsewhereOnlyOnceTheHostCommitsAndWithinOneTtlOfTheirRead()
      throws Exception {
    start(AccessSettings.DEFAULTS);
    LoyaltyEngine changing = engines.get(0);
    long t = changing.tenants().create(NewTenant.business("Acme")).id();
    ApiKeys keys = changing.forTenant(t).apiKeys();
    IssuedApiKey committed = keys.issue(NewApiKey.of("committed", ApiScope.READ));
    IssuedApiKey rolledBack = keys.issue(NewApiKey.of("rolled back", ApiScope.READ));
    int all = THREADS_EACH * 10;

    Instant read;
    try (HostTx revoking = fixture.hostTransactions().orElseThrow().begin();
        HostTx undone = fixture.hostTransactions().orElseThrow().begin()) {
      changing.forTenant(t).joining(revoking.transaction()).apiKeys().revoke(committed.key().id());
      changing.forTenant(t).joining(undone.transaction()).apiKeys().revoke(rolledBack.key().id());
      clock.advance(TTL.dividedBy(2));
      read = clock.instant();
      assertEquals(List.of(all, all), accepted(engines.subList(0, 2), List.of(committed.secret()), 10),
          "before the commit the first and second engines accept the key");
      undone.rollback();
      revoking.commit();
    }
    assertEquals(List.of(0, all, 0), accepted(engines, List.of(committed.secret()), 10),
        "after the commit: refused where revoked and where never read; the second trusts its read");
    clock.set(read.plus(TTL).minus(MICRO));
    assertEquals(List.of(0, all, 0), accepted(engines, List.of(committed.secret()), 10),
        "just before the second engine's read is one TTL old");
    clock.set(read.plus(TTL));
    assertEquals(List.of(0, 0, 0), accepted(engines, List.of(committed.secret()), 10),
        "one TTL after its read the second engine refuses it too");
    assertEquals(List.of(all, all, all), accepted(engines, List.of(rolledBack.secret()), 10),
        "the key revoked in the rolled-back transaction is accepted everywhere");
  }

  /**
   * A tenant on {@code pro} (1,000 a minute, leased 100 at a time) downgraded on the first engine to {@code free}
   * (20 a minute, a token every 3 s, leased 2 at a time) right after every engine has leased a batch of {@code pro}
   * tokens and cached the key with that plan. The first engine holds the tenant to {@code free} at once; one TTL
   * later every engine does: together they pass only what the {@code free} bucket got back meanwhile, none of the
   * {@code pro} tokens the others still hold leased.
   */
  @Test
  void aPlanChangeOnOneInstanceHoldsTheOthersToTheNewPlanWithinOneTtl() throws Exception {
    start(AccessSettings.builder()
        .plan("free", 20, Duration.ofMinutes(1))
        .plan("pro", 1_000, Duration.ofMinutes(1))
        .defaultPlan("free")
        .build());
    LoyaltyEngine changing = engines.get(0);
    long t = changing.tenants().create(NewTenant.business("Acme")).id();
    changing.tenants().changePlan(t, "pro");
    String key = changing.forTenant(t).apiKeys().issue(NewApiKey.of("k", ApiScope.READ)).secret();
    for (LoyaltyEngine engine : engines) {
      engine.access().authenticate(key, ApiScope.READ); // cached with pro; 99 pro tokens held leased
    }

    Instant changed = clock.instant();
    changing.tenants().changePlan(t, "free");
    assertEquals(20, passedAt(List.of(changing), key, 20).passed(), "the engine that changed the plan: at once,"
        + " a full free bucket (the tenant was never on it), not its 99 leased pro tokens");

    clock.set(changed.plus(TTL));
    Round round = passedAt(engines, key, 20);
    // The free bucket, drained at the change, got 10 tokens back in 30 s; no engine holds a free token leased (the
    // first spent all it leased), and the pro tokens the others hold are not the tenant's to spend any more.
    assertEquals(10, round.passed(), "one TTL after the change, every engine holds the tenant to the free plan");
  }

  /**
   * A plan of 100 a minute (a token every 0.6 s), leased 10 at a time, on three engines of three threads each: rounds
   * released together at one instant each, the clock moved between them by uneven steps. Over every interval of
   * rounds the engines pass at most the bucket, its refill and the {@code 3 * (10 - 1)} tokens they may hold leased,
   * a bound they reach when each holds 9 and the bucket has refilled meanwhile (leased tokens do not expire). Each
   * round drains the bucket, and every RATE_LIMITED of it, on any engine, has one {@code retryAfter}: the time until
   * the shared bucket's next token is back, positive and at most 0.6 s. A microsecond before it no request passes
   * anywhere; once it has passed, one does.
   */
  @Test
  void severalInstancesAreHeldToTheBucketTheRefillAndWhatTheyHoldLeased() throws Exception {
    int limit = 100;
    int batch = limit / 10;
    Duration period = Duration.ofMinutes(1);
    Duration refill = period.dividedBy(limit);
    start(AccessSettings.builder().plan("busy", limit, period).defaultPlan("busy").build());
    long t = engines.get(0).tenants().create(NewTenant.business("Acme")).id();
    String key = engines.get(0).forTenant(t).apiKeys().issue(NewApiKey.of("k", ApiScope.READ)).secret();

    List<Instant> times = new ArrayList<>();
    List<Integer> passes = new ArrayList<>();
    Duration[] steps = {Duration.ofSeconds(45), null, Duration.ofMillis(7_300), Duration.ofMillis(250), null,
        Duration.ofSeconds(20), null, Duration.ofMillis(1_900), Duration.ofSeconds(2)};
    // Each engine leases a batch and keeps 9; the bucket refills to full over the 45 s while they hold them.
    int held = 0;
    for (LoyaltyEngine engine : engines) {
      engine.access().authenticate(key, ApiScope.READ);
      held++;
    }
    times.add(clock.instant());
    passes.add(held);
    Duration wait = Duration.ZERO;
    for (int i = 0; i < steps.length; i++) {
      boolean retry = steps[i] == null;
      if (retry) {
        clock.advance(wait.minus(MICRO));
        Round early = passedAt(engines, key, 40);
        times.add(clock.instant());
        passes.add(early.passed());
        assertEquals(0, early.passed(), "round " + i + ": a microsecond before the retryAfter, " + wait
            + ", no token is back yet");
      }
      clock.advance(retry ? MICRO : steps[i]);
      Round round = passedAt(engines, key, 40);
      times.add(clock.instant());
      passes.add(round.passed());
      if (i == 0) {
        assertEquals(limit + INSTANCES * (batch - 1), round.passed(), "a full bucket and the 9 each engine held"
            + " leased: the bound, reached");
      }
      if (retry) {
        assertTrue(round.passed() >= 1, "round " + i + ": a retry after the retryAfter goes through on some engine");
      }
      // The round drained the bucket at one instant: every engine names the time its next token is back.
      assertEquals(round.shortestWait(), round.longestWait(), "round " + i + ": one retryAfter on every engine");
      wait = round.longestWait();
      assertTrue(wait.compareTo(Duration.ZERO) > 0 && wait.compareTo(refill) <= 0, "round " + i + ": retryAfter "
          + wait + ", not within (0, " + refill + "]");
    }

    for (int from = 0; from < times.size(); from++) {
      int passed = 0;
      for (int to = from; to < times.size(); to++) {
        passed += passes.get(to);
        long micros = Duration.between(times.get(from), times.get(to)).toNanos() / 1_000;
        long bound = limit + limit * micros / (period.toNanos() / 1_000) + INSTANCES * (batch - 1);
        assertTrue(passed <= bound, "rounds " + from + " to " + to + " (" + micros + " us): " + passed
            + " passed, more than the bucket, its refill and what the engines may hold leased, " + bound);
      }
    }
  }

  /**
   * While the storage fails every token lease, each engine holds the tenant to a bucket of its own (the plan's
   * limit on each: up to N times the plan's rate in all). It tries the storage again one second after the failure,
   * not sooner: just before, with the storage answering again, the engines still refill their own buckets; from
   * then on they share the storage's bucket again, which the outage left full. So an outage lets a tenant through up
   * to N + 1 buckets in a second, not N: the storage's bucket adds its own once the storage answers.
   */
  @Test
  void whileTheStorageFailsLeasesEachInstanceHoldsTheTenantToABucketOfItsOwn() throws Exception {
    int limit = 30; // a token every 2 s, leased 3 at a time
    start(AccessSettings.builder().plan("team", limit, Duration.ofMinutes(1)).defaultPlan("team").build());
    long t = engines.get(0).tenants().create(NewTenant.business("Acme")).id();
    String key = engines.get(0).forTenant(t).apiKeys().issue(NewApiKey.of("k", ApiScope.READ)).secret();
    for (LoyaltyEngine engine : engines) {
      assertEquals(ErrorCode.FORBIDDEN, code(engine, key, ApiScope.WRITE)); // the key cached, no token taken
    }

    leasesFail.forEach(fail -> fail.set(true));
    Instant failed = clock.instant();
    int own = passedAt(engines, key, 20).passed();
    assertEquals(INSTANCES * limit, own, "each engine's own full bucket");
    leasesFail.forEach(fail -> fail.set(false));
    clock.set(failed.plus(Duration.ofSeconds(1)).minus(MICRO));
    assertEquals(0, passedAt(engines, key, 20).passed(), "within a second of the failure the engines keep to their"
        + " own buckets, which got no token back yet");
    clock.set(failed.plus(Duration.ofSeconds(1)));
    int shared = passedAt(engines, key, 20).passed();
    assertEquals(limit, shared, "a second after the failure they lease from the storage's bucket again, untouched"
        + " by the outage: the plan's limit in all, no more");
    assertEquals((INSTANCES + 1) * limit, own + shared, "over the outage and the second after it: N + 1 buckets,"
        + " as AccessSettings says");
  }

  /**
   * A plan of 10 a minute (a token every 6 s, leased one at a time, so exact with agreeing clocks) on three engines
   * whose clocks disagree: the first 6 s behind the true time, the second on it, the third 6 s ahead. A lease refills
   * the shared bucket by its engine's clock, and the bucket's refill time only moves forward, to the latest clock
   * that leased: an engine whose clock is behind it gets nothing back until its clock passes it. So the clocks'
   * spread, 12 s, adds at most its refill (2 tokens) to what the engines pass over any interval of the true time:
   * {@code limit + limit * (d + spread) / period}, as {@code AccessSettings} says. Reached at one instant: the engine
   * behind drains a full bucket, the one ahead then gets the 12 s its clock is ahead of the bucket's refill time, and
   * no engine passes more at that instant. Kept over rounds of all threads of every engine at uneven steps (a
   * refill time that followed the last lease's clock back would let the engine ahead get its spread again and
   * again).
   */
  @Test
  void instancesWhoseClocksDisagreeAddAtMostTheRefillOfTheirSpread() throws Exception {
    int limit = 10;
    Duration period = Duration.ofMinutes(1);
    Duration skew = Duration.ofSeconds(6);
    long spreadMicros = 2 * skew.toNanos() / 1_000;
    start(AccessSettings.builder().plan("small", limit, period).defaultPlan("small").build(),
        skew.negated(), Duration.ZERO, skew);
    long t = engines.get(0).tenants().create(NewTenant.business("Acme")).id();
    String key = engines.get(0).forTenant(t).apiKeys().issue(NewApiKey.of("k", ApiScope.READ)).secret();
    LoyaltyEngine behind = engines.get(0);
    LoyaltyEngine ahead = engines.get(2);

    assertEquals(limit, passedAt(List.of(behind), key, 20).passed(), "the engine behind drains the full bucket");
    assertEquals(2, passedAt(List.of(ahead), key, 20).passed(), "the engine ahead, 12 s after the bucket's refill"
        + " time by its clock, gets 12 s of refill");
    for (int i = 0; i < 3; i++) {
      assertEquals(0, passedAt(engines, key, 20).passed(), "at the same instant no engine passes more");
    }

    List<Instant> times = new ArrayList<>(List.of(clock.instant()));
    List<Integer> passes = new ArrayList<>(List.of(limit + 2));
    Duration[] steps = {Duration.ofSeconds(5), Duration.ofSeconds(7), Duration.ofSeconds(1), Duration.ofSeconds(13),
        Duration.ofMillis(5_999), Duration.ofMillis(2), Duration.ofSeconds(70), Duration.ofSeconds(3)};
    for (Duration step : steps) {
      clock.advance(step);
      times.add(clock.instant());
      passes.add(passedAt(engines, key, 10).passed());
    }
    for (int from = 0; from < times.size(); from++) {
      int passed = 0;
      for (int to = from; to < times.size(); to++) {
        passed += passes.get(to);
        long micros = Duration.between(times.get(from), times.get(to)).toNanos() / 1_000;
        long bound = limit + limit * (micros + spreadMicros) / (period.toNanos() / 1_000);
        assertTrue(passed <= bound, "rounds " + from + " to " + to + " (" + micros + " us): " + passed
            + " passed, more than the bucket and the refill of the interval and the clocks' spread, " + bound
            + "; passes " + passes);
      }
    }
  }

  /** What a round gave: the requests passed, and the shortest and longest retryAfter of those refused. */
  private record Round(int passed, Duration shortestWait, Duration longestWait) {
  }

  /**
   * Every thread of {@code on}, released together, makes {@code attempts} READ requests with {@code key}; anything
   * but a pass or RATE_LIMITED (with a retryAfter) fails the test.
   */
  private Round passedAt(List<LoyaltyEngine> on, String key, int attempts) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Round>> rounds = new ArrayList<>();
    for (LoyaltyEngine engine : on) {
      for (int i = 0; i < THREADS_EACH; i++) {
        rounds.add(pool.submit(() -> {
          go.await();
          int passed = 0;
          Duration shortest = null;
          Duration longest = Duration.ZERO;
          for (int a = 0; a < attempts; a++) {
            try {
              engine.access().authenticate(key, ApiScope.READ);
              passed++;
            } catch (LoyaltyException e) {
              if (e.code() != ErrorCode.RATE_LIMITED) {
                fail("expected RATE_LIMITED but got " + e, e);
              }
              Duration wait = e.retryAfter().orElseThrow();
              shortest = shortest == null || wait.compareTo(shortest) < 0 ? wait : shortest;
              longest = wait.compareTo(longest) > 0 ? wait : longest;
            }
          }
          return new Round(passed, shortest == null ? Duration.ofDays(1) : shortest, longest);
        }));
      }
    }
    go.countDown();
    int passed = 0;
    Duration shortest = Duration.ofDays(1);
    Duration longest = Duration.ZERO;
    for (Future<Round> future : rounds) {
      Round round = future.get(2, TimeUnit.MINUTES);
      passed += round.passed();
      shortest = round.shortestWait().compareTo(shortest) < 0 ? round.shortestWait() : shortest;
      longest = round.longestWait().compareTo(longest) > 0 ? round.longestWait() : longest;
    }
    return new Round(passed, shortest, longest);
  }

  /**
   * Per engine, how many of its threads' requests with each of {@code keys} ({@code attempts} each, all threads
   * released together) were let through; every other answer must be UNAUTHENTICATED.
   */
  private List<Integer> accepted(List<String> keys, int attempts) throws Exception {
    return accepted(engines, keys, attempts);
  }

  /** As {@link #accepted(List, int)}, on the engines {@code on} only. */
  private List<Integer> accepted(List<LoyaltyEngine> on, List<String> keys, int attempts) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<List<Future<Integer>>> perEngine = new ArrayList<>();
    for (LoyaltyEngine engine : on) {
      List<Future<Integer>> counts = new ArrayList<>();
      for (int i = 0; i < THREADS_EACH; i++) {
        counts.add(pool.submit(() -> {
          go.await();
          int passed = 0;
          for (int a = 0; a < attempts; a++) {
            for (String key : keys) {
              ErrorCode code = code(engine, key, ApiScope.READ);
              if (code == null) {
                passed++;
              } else {
                assertEquals(ErrorCode.UNAUTHENTICATED, code);
              }
            }
          }
          return passed;
        }));
      }
      perEngine.add(counts);
    }
    go.countDown();
    List<Integer> accepted = new ArrayList<>();
    for (List<Future<Integer>> counts : perEngine) {
      int sum = 0;
      for (Future<Integer> count : counts) {
        sum += count.get(2, TimeUnit.MINUTES);
      }
      accepted.add(sum);
    }
    return accepted;
  }

  /** The code a request with {@code key} for {@code scope} gets on {@code engine}, or null when let through. */
  private static ErrorCode code(LoyaltyEngine engine, String key, ApiScope scope) {
    try {
      engine.access().authenticate(key, scope);
      return null;
    } catch (LoyaltyException e) {
      return e.code();
    }
  }
}
