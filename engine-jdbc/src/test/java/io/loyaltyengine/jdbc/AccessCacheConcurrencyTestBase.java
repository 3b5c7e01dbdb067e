package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiKey;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API-key cache of one engine under concurrent authentications, revocations, deletions and plan changes, against
 * what each thread knows has returned and against storage: seeded, in the style of the test kit's model-based tests.
 *
 * <p>Two tenants with {@value #KEYS} READ keys each, on plan {@code open} (no practical limit) or {@code closed}
 * (whose one token an hour was spent before the race; the clock stands still, so it never comes back). One writer
 * thread runs seeded revocations and deletions (never of a tenant's first two keys) and plan changes; after each,
 * its own next request must show it: a dropped key UNAUTHENTICATED, a live key of a closed tenant RATE_LIMITED, of an
 * open one let through. Three reader threads authenticate seeded keys meanwhile (half the time the key the writer
 * names as its next, so that some are reading it as it is dropped, or as its tenant's plan changes), and check each
 * answer against what the writer had published before the request and after it: a key whose revocation or deletion
 * returned before the request is refused; a key whose revocation had not even started by the end of the request is
 * not; and while no plan change of the tenant was in flight at any time of the request, the plan that last returned
 * decides. (The engine
 * promises a change made through it is seen by it "at once": by every later request, on any thread.)
 *
 * <p>Once the threads have joined, every key's answer on this engine agrees with storage; a second engine, which
 * cached every key before the race, agrees too one TTL later.
 *
 * <p>A seed replays the operations ({@code -Dloyalty.seed=<seed>}), not how the threads interleave.
 */
abstract class AccessCacheConcurrencyTestBase {
  private static final int KEYS = 8;
  private static final int TENANTS = 2;
  private static final int READERS = 3;
  private static final AccessSettings PLANS = AccessSettings.builder()
      .plan("open", 1_000_000, Duration.ofHours(1))
      .plan("closed", 1, Duration.ofHours(1))
      .defaultPlan("open")
      .build();

  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private final TestEngines engines = new TestEngines();
  private StoreFixture fixture;
  private LoyaltyEngine engine;
  private LoyaltyEngine other;

  abstract StoreFixture createFixture();

  /** How many operations the writer runs. */
  abstract int writes();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = build();
    other = build();
  }

  @AfterEach
  void close() {
    engines.close();
    fixture.close();
  }

  private LoyaltyEngine build() {
    return engines.build(engines.builder((Storage) fixture.openStorage(), 0).clock(clock).access(PLANS));
  }

  /** A key of the race: its tenant (index and id), id and secret. */
  private record Key(int tenant, long tenantId, long id, String secret) {
  }

  /** A plan that returned, and how many plan changes of the tenant had started before it. */
  private record Plan(String name, long changes) {
  }

  @Test
  void revocationsDeletionsAndPlanChangesAreSeenAtOnceByEveryThreadAndAgreeWithStorageAfterwards() {
    Seeded.run(this, "race", this::race);
  }

  private void race(long seed) throws Exception {
    List<Key> keys = new ArrayList<>();
    long[] tenantIds = new long[TENANTS];
    for (int t = 0; t < TENANTS; t++) {
      tenantIds[t] = engine.tenants().create(NewTenant.business("Race " + t)).id();
      // The closed plan's one token spent, for good: the clock stands still.
      engine.tenants().changePlan(tenantIds[t], "closed");
      String first = engine.forTenant(tenantIds[t]).apiKeys().issue(NewApiKey.of("k0", ApiScope.READ)).secret();
      assertEquals(null, authenticate(engine, first));
      assertEquals(ErrorCode.RATE_LIMITED, authenticate(engine, first));
      engine.tenants().changePlan(tenantIds[t], "open");
      keys.add(new Key(t, tenantIds[t], engine.forTenant(tenantIds[t]).apiKeys().list().get(0).id(), first));
      for (int k = 1; k < KEYS; k++) {
        var issued = engine.forTenant(tenantIds[t]).apiKeys().issue(NewApiKey.of("k" + k, ApiScope.READ));
        keys.add(new Key(t, tenantIds[t], issued.key().id(), issued.secret()));
      }
    }
    for (Key key : keys) {
      assertEquals(null, authenticate(other, key.secret), "cached on the other engine before the race");
    }

    // Published by the writer: per key, 1 once its revocation or deletion started / returned; per tenant, plan
    // changes started, and the plan that last returned.
    AtomicIntegerArray dropStarted = new AtomicIntegerArray(keys.size());
    AtomicIntegerArray dropReturned = new AtomicIntegerArray(keys.size());
    AtomicLongArray planStarted = new AtomicLongArray(TENANTS);
    AtomicReferenceArray<Plan> planReturned = new AtomicReferenceArray<>(TENANTS);
    for (int t = 0; t < TENANTS; t++) {
      planReturned.set(t, new Plan("open", 0));
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    // The key the writer drops next: half of the reads ask for it, so that some are loading it as it is dropped.
    AtomicInteger target = new AtomicInteger();
    Random seeds = new Random(seed);
    long writerSeed = seeds.nextLong();

    ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
    try {
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < READERS; r++) {
        Random random = new Random(seeds.nextLong());
        readers.add(pool.submit(() -> {
          int reads = 0;
          while (writing.get() || reads < 50) {
            int k = random.nextBoolean() ? target.get() : random.nextInt(keys.size());
            Key key = keys.get(k);
            boolean droppedBefore = dropReturned.get(k) == 1;
            Plan plan = planReturned.get(key.tenant);
            long changesBefore = planStarted.get(key.tenant);
            ErrorCode answer = authenticate(engine, key.secret);
            boolean dropStartedAfter = dropStarted.get(k) == 1;
            long changesAfter = planStarted.get(key.tenant);
            String what = "key " + k + " (" + plan + ", changes " + changesBefore + ".." + changesAfter + ")";
            if (droppedBefore) {
              assertEquals(ErrorCode.UNAUTHENTICATED, answer, what + " revoked or deleted before the request");
            } else if (!dropStartedAfter) {
              if (changesBefore == plan.changes && changesAfter == changesBefore) {
                assertEquals(plan.name.equals("closed") ? ErrorCode.RATE_LIMITED : null, answer,
                    what + ": live, on the plan that last returned, none in flight");
              } else if (answer != null) {
                assertEquals(ErrorCode.RATE_LIMITED, answer, what + ": live, a plan change in flight");
              }
            } else if (answer != null && answer != ErrorCode.RATE_LIMITED) {
              assertEquals(ErrorCode.UNAUTHENTICATED, answer, what + ": being revoked");
            }
            reads++;
          }
          return reads;
        }));
      }
      Future<?> writer = pool.submit(() -> {
        try {
          Random random = new Random(writerSeed);
          for (int i = 0; i < writes(); i++) {
            int t = random.nextInt(TENANTS);
            int k = t * KEYS + 2 + random.nextInt(KEYS - 2); // never a tenant's first two keys
            Key key = keys.get(k);
            target.set(k);
            if (random.nextInt(3) == 0 && dropStarted.get(k) == 0) {
              dropStarted.set(k, 1);
              if (random.nextBoolean()) {
                engine.forTenant(key.tenantId).apiKeys().revoke(key.id);
              } else {
                engine.forTenant(key.tenantId).apiKeys().delete(key.id);
              }
              dropReturned.set(k, 1);
              assertEquals(ErrorCode.UNAUTHENTICATED, authenticate(engine, key.secret),
                  "write " + i + ": the writer's own next request with the key it dropped");
            } else {
              String name = planReturned.get(t).name.equals("open") ? "closed" : "open";
              long changes = planStarted.incrementAndGet(t);
              engine.tenants().changePlan(key.tenantId, name);
              planReturned.set(t, new Plan(name, changes));
              Key live = keys.get(t * KEYS + random.nextInt(2));
              assertEquals(name.equals("closed") ? ErrorCode.RATE_LIMITED : null, authenticate(engine, live.secret),
                  "write " + i + ": the writer's own next request after the change to " + name);
            }
          }
        } finally {
          writing.set(false);
        }
        return null;
      });
      writer.get(60, TimeUnit.SECONDS);
      int reads = 0;
      for (Future<Integer> reader : readers) {
        reads += reader.get(60, TimeUnit.SECONDS);
      }
      System.out.println(getClass().getSimpleName() + ": " + writes() + " writes, " + reads + " reads");
    } finally {
      writing.set(false);
      pool.shutdownNow();
    }

    for (Key key : keys) {
      assertEquals(fromStorage(key), authenticate(engine, key.secret), "after the race, key " + key);
    }
    clock.advance(PLANS.keyCacheTtl());
    for (Key key : keys) {
      assertEquals(fromStorage(key), authenticate(other, key.secret), "one TTL later on the other engine, key " + key);
    }
  }

  /** What storage says a request with {@code key} gets: null when let through. */
  private ErrorCode fromStorage(Key key) {
    Optional<ApiKey> stored = engine.forTenant(key.tenantId).apiKeys().list().stream()
        .filter(k -> k.id() == key.id).findFirst();
    if (stored.isEmpty() || stored.get().revokedAt() != null) {
      return ErrorCode.UNAUTHENTICATED;
    }
    return engine.tenants().get(key.tenantId).plan().equals("closed") ? ErrorCode.RATE_LIMITED : null;
  }

  /** The code a READ request with {@code key} gets on {@code on}, or null when let through. */
  private static ErrorCode authenticate(LoyaltyEngine on, String key) {
    try {
      on.access().authenticate(key, ApiScope.READ);
      return null;
    } catch (LoyaltyException e) {
      return e.code();
    }
  }
}
