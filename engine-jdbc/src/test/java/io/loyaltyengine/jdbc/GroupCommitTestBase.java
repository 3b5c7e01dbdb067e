package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import io.loyaltyengine.testkit.StoreFixture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group commit through the public API, on one backend per subclass: many threads award and deduct at once on a few
 * participants, and every call gets its own exact result; a failing operation (INSUFFICIENT_POINTS, NOT_FOUND, a
 * reused key, a redemption whose stock it took, a write the store refuses) never fails its neighbours in the same
 * batch; one participant's calls apply in the order they arrived; two callers with one key get one entry; the
 * leaderboard index keeps nothing of an undone operation; a shared transaction that fails (transiently or not, at
 * its end or inside one unit) is run again one unit at a time, each call answered once, but one that cannot begin is
 * answered at once; a leader interrupted inside a batch, or a unit failing unexpectedly, fails no neighbour; a close
 * while calls are queued leaves none hanging; operations joining a host's transaction are never combined.
 *
 * <p>Batches are made to happen, with no timing assumed: the {@link GroupCommitProbe} below the engine holds one
 * transaction at its start while the callers queue behind it (seen parked in the group commit), one after the
 * other, so the next batch holds exactly them, in that order; the probe then shows the shared transaction.
 *
 * <p>Seeded where random: the seed is printed, and a failure names it (replay with {@code -Dloyalty.seed=<seed>}).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class GroupCommitTestBase {
  /** An id no participant has. */
  static final long UNKNOWN = Long.MAX_VALUE - 7;

  private StoreFixture fixture;
  private final TestEngines engines = new TestEngines();
  private final List<ExecutorService> pools = new ArrayList<>();

  /** A fixture on a fresh, empty database of the backend under test. */
  abstract StoreFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
  }

  @AfterEach
  final void close() throws InterruptedException {
    for (ExecutorService pool : pools) {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "a caller did not stop");
    }
    engines.close();
    fixture.close();
  }

  final StoreFixture fixture() {
    return fixture;
  }

  /** An engine and the probe under it. */
  record Engine(LoyaltyEngine engine, GroupCommitProbe probe) {
    TenantScope scope(World w) {
      return engine.forTenant(w.tenantId);
    }
  }

  /** A bound that combines (the default), set explicitly. */
  static final int COMBINING = 64;

  /**
   * An engine on a new storage of the fixture. {@code maxGroupCommit} 0 leaves the default and the store as it is;
   * any other bound also hides {@link StorageCapability#PARALLEL_COMMITS} from the engine, so that on every store
   * group commit runs one batch at a time and combines every kind of call, which is what these tests drive, batch by
   * batch. The policy of a store that commits in parallel is tested with the default.
   */
  final Engine engine(int maxGroupCommit) {
    return engine(maxGroupCommit, 5);
  }

  final Engine engine(int maxGroupCommit, int maxTransactionRetries) {
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage(), maxGroupCommit != 0);
    return new Engine(engines.build(engines.builder(probe, maxGroupCommit)
        .maxTransactionRetries(maxTransactionRetries)), probe);
  }

  /**
   * An engine on a new storage of the fixture, with no probe under it: the store's own write path (the probe writes
   * an award's rows through the ports, where PostgreSQL would write them in one statement held for the commit).
   * {@code maxGroupCommit} as {@link #engine(int)}, the store's capabilities as they are.
   */
  final LoyaltyEngine unprobedEngine(int maxGroupCommit) {
    return engines.build(engines.builder(fixture.openStorage(), maxGroupCommit));
  }

  final ExecutorService threads(int count) {
    ExecutorService pool = Executors.newFixedThreadPool(count);
    pools.add(pool);
    return pool;
  }

  /**
   * Starts {@code count} threads at once, thread {@code t} running what {@code perThread} gives for {@code t}, and
   * returns their results in thread order once all are done (failing if one threw, or took over 3 minutes).
   */
  final <T> List<T> together(int count, IntFunction<Callable<T>> perThread) throws Exception {
    return together(count, null, perThread);
  }

  /**
   * As {@link #together(int, IntFunction)}; with a {@code gate} armed on the engine's probe, the transaction it
   * holds is let go only once every other thread has queued in group commit, so that batches form whatever the
   * timing, even on a store whose commits take no time.
   */
  final <T> List<T> together(int count, GroupCommitProbe.Gate gate, IntFunction<Callable<T>> perThread)
      throws Exception {
    ExecutorService pool = threads(count);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Thread>> workers = new ArrayList<>();
    List<Future<T>> futures = new ArrayList<>();
    for (int t = 0; t < count; t++) {
      Callable<T> work = perThread.apply(t);
      CompletableFuture<Thread> worker = new CompletableFuture<>();
      workers.add(worker);
      futures.add(pool.submit(() -> {
        worker.complete(Thread.currentThread());
        start.await();
        return work.call();
      }));
    }
    start.countDown();
    if (gate != null) {
      Thread holder = gate.awaitHeld();
      for (int t = 0; t < count; t++) {
        Thread thread = workers.get(t).get(60, TimeUnit.SECONDS);
        if (thread != holder) {
          GroupCommitProbe.awaitQueued(thread, futures.get(t)::isDone);
        }
      }
      gate.release();
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      results.add(f.get(3, TimeUnit.MINUTES));
    }
    return results;
  }

  /** A tenant with a campaign and participants. */
  static final class World {
    final long tenantId;
    final long campaignId;
    final List<Long> participants = new ArrayList<>();

    World(LoyaltyEngine engine, int participants) {
      this.tenantId = engine.tenants().create(NewTenant.business("Group commit")).id();
      TenantScope scope = engine.forTenant(tenantId);
      Brand brand = scope.brands().create(new NewBrand("Shop", "shop.example.com"));
      Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Points"));
      this.campaignId = campaign.id();
      for (int i = 0; i < participants; i++) {
        this.participants.add(scope.participants().create(campaignId,
            NewParticipant.withEmail("p" + i + "@example.com")).id());
      }
    }

    ParticipantRef ref(int i) {
      return ParticipantRef.id(participants.get(i));
    }
  }

  // ==================================================================== many threads

  /** What one call of the many-threads test does. */
  enum Kind { AWARD, DEDUCT, UP_TO, UNKNOWN, TAKEN_KEY, SHARED_KEY }

  /** One call of the many-threads test and what it got. */
  record Call(int thread, int index, Kind kind, int participant, long amount, String key) {
    PointsChange change() {
      return new PointsChange(amount, kind == Kind.SHARED_KEY ? "shared" : "purchase", null, key);
    }
  }

  /**
   * Twelve threads of seeded calls on three participants: with batches made to happen ({@link #COMBINING}, one batch
   * at a time), with nothing combined (1), and with the store's default policy (0; on PostgreSQL two batches at a
   * time, awards and deductions only), where batches form as the threads' timing makes them.
   */
  @ParameterizedTest(name = "maxGroupCommit {0}")
  @ValueSource(ints = {COMBINING, 1, 0})
  void manyThreadsAwardingAndDeductingOnAFewParticipantsEachGetTheirOwnExactResult(int maxGroupCommit) {
    Seeded.run(this, "many threads, maxGroupCommit " + maxGroupCommit, seed -> manyThreads(maxGroupCommit, seed));
  }

  private void manyThreads(int maxGroupCommit, long seed) throws Exception {
    int threads = 12;
    int calls = 40;
    int people = 3;
    Engine e = engine(maxGroupCommit);
    World w = new World(e.engine(), people);
    TenantScope scope = e.scope(w);
    // Keys used before the run: reusing one with other parameters is a CONFLICT.
    for (int i = 0; i < 4; i++) {
      scope.points().award(w.ref(0), PointsChange.of(1, "purchase").withIdempotencyKey("taken-" + i));
    }
    Set<Long> before = new HashSet<>();
    for (int p = 0; p < people; p++) {
      ledger(scope, w.ref(p)).forEach(entry -> before.add(entry.id()));
    }
    board(scope, w, BoardPeriod.ALL_TIME, BoardMetric.POINTS, Consistency.INDEX); // builds the index

    List<List<Call>> plan = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Random random = new Random(seed * 31 + t);
      List<Call> mine = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        int pick = random.nextInt(100);
        int p = random.nextInt(people);
        long amount = 1 + random.nextInt(25);
        Call call;
        if (i == 0) {
          // Every first call appends an entry, so that the batches the gate makes count all twelve (a batch's units
          // are counted by its entries): the held batch or the queue behind it then holds at least six.
          call = new Call(t, i, Kind.AWARD, p, amount, null);
        } else if (pick < 45) {
          call = new Call(t, i, Kind.AWARD, p, amount, random.nextInt(3) == 0 ? "t" + t + "-" + i : null);
        } else if (pick < 70) {
          call = new Call(t, i, Kind.DEDUCT, p, amount, random.nextInt(3) == 0 ? "t" + t + "-" + i : null);
        } else if (pick < 82) {
          call = new Call(t, i, Kind.UP_TO, p, amount, random.nextInt(3) == 0 ? "t" + t + "-" + i : null);
        } else if (pick < 88) {
          call = new Call(t, i, Kind.UNKNOWN, -1, amount, null);
        } else if (pick < 94) {
          call = new Call(t, i, Kind.TAKEN_KEY, 0, 2, "taken-" + random.nextInt(4));
        } else {
          int shared = random.nextInt(10);
          call = new Call(t, i, Kind.SHARED_KEY, shared % people, 5, "shared-" + shared);
        }
        mine.add(call);
      }
      plan.add(mine);
    }

    Object[][] got = new Object[threads][calls];
    // With COMBINING, every thread's first call joins the held transaction or queues behind it.
    together(threads, maxGroupCommit == COMBINING ? e.probe().holdNextTransaction() : null, me -> () -> {
      for (Call call : plan.get(me)) {
        got[me][call.index()] = call(scope, w, call);
      }
      return null;
    });

    // Every call got its own answer.
    Map<Long, Call> newEntries = new HashMap<>();
    Map<String, Set<Long>> sharedIds = new HashMap<>();
    Map<String, Integer> sharedFirsts = new HashMap<>();
    Map<Long, List<LedgerEntry>> byParticipant = new HashMap<>();
    for (int t = 0; t < threads; t++) {
      long lastId = Long.MIN_VALUE;
      for (Call call : plan.get(t)) {
        Object answer = got[t][call.index()];
        String what = call + " got " + answer;
        switch (call.kind()) {
          case UNKNOWN -> assertCode(ErrorCode.NOT_FOUND, null, answer, what);
          case TAKEN_KEY -> assertCode(ErrorCode.CONFLICT, "idempotencyKey", answer, what);
          case DEDUCT -> {
            if (answer instanceof LoyaltyException ex) {
              assertEquals(ErrorCode.INSUFFICIENT_POINTS, ex.code(), what);
            }
          }
          default -> {
          }
        }
        if (!(answer instanceof PointsResult r)) {
          assertTrue(answer instanceof LoyaltyException, what);
          continue;
        }
        LedgerEntry entry = r.entry();
        if (call.kind() == Kind.UP_TO && entry == null) {
          assertEquals(0, r.balance(), what);
          assertFalse(r.replayed(), what);
          continue;
        }
        assertNotNull(entry, what);
        assertEquals(w.participants.get(call.participant()), entry.participantId(), what);
        assertEquals(call.key(), entry.idempotencyKey(), what);
        assertEquals(call.kind() == Kind.AWARD || call.kind() == Kind.SHARED_KEY
            ? LedgerEntryKind.AWARD : LedgerEntryKind.DEDUCT, entry.kind(), what);
        if (call.kind() == Kind.UP_TO) {
          assertTrue(entry.amount() >= 1 && entry.amount() <= call.amount(), what);
          assertTrue(entry.amount() == call.amount() || entry.balanceAfter() == 0,
              "took less than asked only by emptying the balance: " + what);
        } else {
          assertEquals(call.amount(), entry.amount(), what);
        }
        assertEquals(entry.balanceAfter(), r.balance(), what);
        if (call.kind() == Kind.SHARED_KEY) {
          sharedIds.computeIfAbsent(call.key(), k -> new HashSet<>()).add(entry.id());
          if (!r.replayed()) {
            sharedFirsts.merge(call.key(), 1, Integer::sum);
          }
        } else {
          assertFalse(r.replayed(), "a key of its own never replays: " + what);
        }
        if (!r.replayed()) {
          assertTrue(newEntries.put(entry.id(), call) == null, "two calls got entry " + entry.id() + ": " + what);
          // One thread's successive calls apply in the order it made them.
          assertTrue(entry.id() > lastId, "entries of one thread in call order: " + what);
          lastId = entry.id();
        }
      }
    }
    sharedIds.forEach((key, ids) -> assertEquals(1, ids.size(), "every caller of " + key + " got one entry"));
    sharedIds.keySet().forEach(key -> assertEquals(1, sharedFirsts.getOrDefault(key, 0),
        "exactly one caller of " + key + " applied it, the others got it replayed"));

    // The ledger holds exactly those entries, each balance is the sum of its ledger, never negative.
    Set<Long> inLedger = new HashSet<>();
    for (int p = 0; p < people; p++) {
      List<LedgerEntry> ledger = new ArrayList<>(ledger(scope, w.ref(p)));
      Collections.reverse(ledger);
      byParticipant.put(w.participants.get(p), ledger);
      long balance = 0;
      long lifetime = 0;
      for (LedgerEntry entry : ledger) {
        balance += entry.signedAmount();
        lifetime += entry.kind() == LedgerEntryKind.AWARD ? entry.amount() : 0;
        assertTrue(balance >= 0, "never negative: " + entry);
        assertEquals(balance, entry.balanceAfter(), "each entry's balance is the sum of the ledger up to it");
        inLedger.add(entry.id());
      }
      Participant now = scope.participants().get(w.ref(p));
      assertEquals(balance, now.pointsBalance(), "balance of participant " + p);
      assertEquals(lifetime, now.lifetimePoints(), "lifetime points of participant " + p);
    }
    Set<Long> expected = new HashSet<>(before);
    expected.addAll(newEntries.keySet());
    assertEquals(expected, inLedger, "the ledger holds exactly the entries the calls got: none lost, none extra");

    // The index of the POINTS board followed every batch exactly.
    assertBoardsAgree(scope, w, BoardMetric.POINTS);
    for (int p = 0; p < people; p++) {
      assertEquals(scope.participants().get(w.ref(p)).lifetimePoints(),
          scope.leaderboards().standing(w.ref(p), BoardMetric.POINTS, Consistency.INDEX).score());
    }

    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    if (maxGroupCommit == 1) {
      assertTrue(txs.stream().noneMatch(GroupCommitProbe.Tx::shared),
          "with maxGroupCommit 1 nothing is combined: " + txs);
    } else if (maxGroupCommit == 0) {
      // Batches are left to timing here, so their sizes are reported, not asserted. A store committing in parallel
      // never runs a call behind a savepoint: a batch runs in one go, or (if one call fails) each call alone.
      if (e.probe().capabilities().contains(StorageCapability.PARALLEL_COMMITS)) {
        assertTrue(txs.stream().allMatch(tx -> tx.nested() == 0),
            "no savepoints where two batches run at a time: " + summary(txs));
      }
      System.out.println(getClass().getSimpleName() + " many threads, default policy: " + summary(txs));
    } else {
      // When the gate held the first transaction, every thread's first call was in it or queued behind it, and
      // the queue goes whole into the next one: so some batch held at least half of the twelve threads' calls.
      assertTrue(txs.stream().anyMatch(tx -> tx.committed() && tx.units() >= 6),
          "the first calls held behind the gate shared a transaction: " + summary(txs));
      System.out.println(getClass().getSimpleName() + " many threads: " + summary(txs));
    }
  }

  /**
   * Eight threads of seeded awards alternating between two tenants, with the store's default policy: every batch,
   * several tenants' calls in it or not, runs in one go (no savepoint), and none is rolled back, though on PostgreSQL
   * two batches run at a time over the same participants (their groups, by tenant, lock in one order).
   */
  @Test
  void byDefaultAwardsOfTwoTenantsFromManyThreadsRunInOneGoAndNoBatchIsRolledBack() {
    Seeded.run(this, "two tenants", this::twoTenants);
  }

  private void twoTenants(long seed) throws Exception {
    int threads = 8;
    int calls = 30;
    Engine e = engine(0);
    List<World> worlds = List.of(new World(e.engine(), 3), new World(e.engine(), 3));
    long[][] expected = new long[2][3];
    List<List<int[]>> plan = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Random random = new Random(seed * 31 + t);
      List<int[]> mine = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        int[] call = {(t + i) % 2, random.nextInt(3), 1 + random.nextInt(9)};
        expected[call[0]][call[1]] += call[2];
        mine.add(call);
      }
      plan.add(mine);
    }
    // The first transaction is held until every other thread queued: batches form even in memory, where a commit
    // takes no time.
    together(threads, e.probe().holdNextTransaction(), t -> () -> {
      for (int[] call : plan.get(t)) {
        World w = worlds.get(call[0]);
        e.scope(w).points().award(w.ref(call[1]), PointsChange.of(call[2], "purchase"));
      }
      return null;
    });

    for (int k = 0; k < 2; k++) {
      World w = worlds.get(k);
      for (int p = 0; p < 3; p++) {
        assertEquals(expected[k][p], balance(e.scope(w), w.ref(p)), "tenant " + k + ", participant " + p);
        assertEquals(expected[k][p], amounts(e.scope(w), w.ref(p)).stream().mapToLong(Long::longValue).sum());
      }
    }
    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertTrue(txs.stream().anyMatch(GroupCommitProbe.Tx::shared), "batches formed: " + summary(txs));
    assertTrue(txs.stream().allMatch(tx -> tx.committed() && tx.nested() == 0),
        "every batch in one go, none rolled back: " + summary(txs));
    System.out.println(getClass().getSimpleName() + " two tenants: " + summary(txs));
  }

  private static Object call(TenantScope scope, World w, Call call) {
    try {
      ParticipantRef ref = call.participant() < 0 ? ParticipantRef.id(UNKNOWN) : w.ref(call.participant());
      return switch (call.kind()) {
        case AWARD, UNKNOWN, TAKEN_KEY, SHARED_KEY -> scope.points().award(ref, call.change());
        case DEDUCT -> scope.points().deduct(ref, call.change());
        case UP_TO -> scope.points().deductUpToBalance(ref, call.change());
      };
    } catch (LoyaltyException e) {
      return e;
    }
  }

  private static String summary(List<GroupCommitProbe.Tx> txs) {
    Map<Integer, Long> sizes = txs.stream()
        .collect(Collectors.groupingBy(GroupCommitProbe.Tx::units, Collectors.counting()));
    return "transactions by units combined (0 or 1: alone) " + sizes;
  }

  @Test
  void byDefaultCallsAreCombinedAndOnAStoreCommittingInParallelOnlyAwardsAndDeductionsTwoBatchesAtATime()
      throws Exception {
    Engine e = engine(0);
    World w = new World(e.engine(), 4);
    TenantScope scope = e.scope(w);
    if (!e.probe().capabilities().contains(StorageCapability.PARALLEL_COMMITS)) {
      batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
          () -> scope.points().award(w.ref(1), PointsChange.of(1, "purchase")),
          () -> scope.points().award(w.ref(2), PointsChange.of(1, "purchase"))));
      assertRunTogether(e.probe(), 2);
      return;
    }
    // PostgreSQL: two batches at a time. While both are held, a recorded action still runs at once (only awards and
    // deductions are combined), and awards queue, to run together once a batch is free.
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    List<Object> got = batchBehindBothLeaders(e, w,
        () -> assertInstanceOf(ActionResult.class,
            scope.rewards().recordAction(LoyaltyAction.of(w.ref(3), loyal.id()))),
        List.of(() -> scope.points().award(w.ref(2), PointsChange.of(5, "purchase")),
            () -> scope.points().award(w.ref(3), PointsChange.of(5, "purchase"))));
    assertEquals(5, result(got.get(0)).balance());
    assertEquals(5, result(got.get(1)).balance());
    assertRunTogether(e.probe(), 2);
  }

  @Test
  void onAStoreCommittingInParallelABatchThatFailsInOneGoRunsEachCallAlone() throws Exception {
    Engine e = engine(0);
    assumeTrue(e.probe().capabilities().contains(StorageCapability.PARALLEL_COMMITS),
        "two batches at a time only where the store commits in parallel");
    World w = new World(e.engine(), 4);
    TenantScope scope = e.scope(w);
    long poisoned = w.participants.get(3);
    e.probe().poisonEvents(event -> Objects.equals(event.participantId(), poisoned));
    List<Object> got = batchBehindBothLeaders(e, w, () -> { }, List.of(
        () -> scope.points().award(w.ref(2), PointsChange.of(5, "purchase")),
        () -> scope.points().deduct(w.ref(2), PointsChange.of(6, "redemption")),
        () -> scope.points().award(w.ref(3), PointsChange.of(7, "purchase")),
        () -> scope.points().deduct(w.ref(2), PointsChange.of(5, "redemption"))));

    assertEquals(5, result(got.get(0)).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(1), "6 of 5");
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(2), "the award whose event the store refused");
    assertEquals(0, result(got.get(3)).balance());
    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertTrue(txs.stream().anyMatch(tx -> !tx.committed() && tx.together() > 1), "the batch failed in one go: " + txs);
    assertTrue(txs.stream().noneMatch(tx -> tx.shared() && tx.committed()), "then each call ran alone: " + txs);
    assertEquals(List.of(-5L, 5L), amounts(scope, w.ref(2)));
  }

  /**
   * On a store that commits in parallel: holds both batches (plug awards on participants 0 and 1), runs
   * {@code whileHeld}, queues {@code callers} one after the other, then frees one batch, so that the next one holds
   * exactly the callers, in that order; frees the other once they are answered. Returns the callers' answers.
   */
  private List<Object> batchBehindBothLeaders(Engine e, World w, Runnable whileHeld, List<Callable<Object>> callers)
      throws Exception {
    TenantScope scope = e.scope(w);
    List<Object> got = batch(e, List.of(() -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")),
        () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug"))), whileHeld, callers);
    assertEquals(1, result(got.get(0)).balance());
    assertEquals(1, result(got.get(1)).balance());
    return got.subList(2, got.size());
  }

  // ==================================================================== single calls run together

  @Test
  void aBatchOfAwardsAndDeductionsThatAllSucceedRunsTogetherWithoutSavepoints() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 3);
    TenantScope scope = e.scope(w);
    board(scope, w, BoardPeriod.ALL_TIME, BoardMetric.POINTS, Consistency.INDEX); // builds the index
    PointsChange keyed = PointsChange.of(10, "purchase").withIdempotencyKey("order-1");
    List<Object> got = batch(e, () -> scope.points().award(w.ref(2), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), keyed),
        () -> scope.points().award(w.ref(1), PointsChange.of(5, "purchase")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(4, "redemption")),
        () -> scope.points().award(ParticipantRef.email(w.campaignId, "p2@example.com"),
            PointsChange.of(3, "purchase")),
        () -> scope.points().deductUpToBalance(w.ref(1), PointsChange.of(100, "refund")),
        () -> scope.points().award(w.ref(0), keyed),
        () -> scope.points().award(w.ref(0), PointsChange.of(1, "purchase"))));

    assertRunTogether(e.probe(), 6);
    PointsResult first = result(got.get(1));
    assertEquals(10, first.balance());
    assertEquals(5, result(got.get(2)).balance());
    assertEquals(6, result(got.get(3)).balance());
    assertEquals(4, result(got.get(4)).balance(), "named by email: 1 + 3");
    PointsResult capped = result(got.get(5));
    assertEquals(5, capped.entry().amount(), "all of the 5, not 100");
    assertEquals(0, capped.balance());
    PointsResult replay = result(got.get(6));
    assertTrue(replay.replayed());
    assertEquals(first.entry(), replay.entry());
    assertEquals(7, result(got.get(7)).balance());
    assertAscending(entryIds(got, 1, 2, 3, 4, 5, 7), "entries numbered in arrival order");
    assertEquals(List.of(1L, -4L, 10L), amounts(scope, w.ref(0)));
    assertEquals(List.of(-5L, 5L), amounts(scope, w.ref(1)));
    assertEquals(11, scope.participants().get(w.ref(0)).lifetimePoints());
    assertEquals(5, scope.participants().get(w.ref(1)).lifetimePoints());
    assertEquals(4, scope.participants().get(w.ref(2)).lifetimePoints());
    assertBoardsAgree(scope, w, BoardMetric.POINTS);
    assertEquals(11, scope.leaderboards().standing(w.ref(0), BoardMetric.POINTS, Consistency.INDEX).score());
  }

  @Test
  void singleCallsOfSeveralTenantsInOneBatchRunTogetherTenantByTenantInAscendingTenantOrder() throws Exception {
    Engine e = engine(COMBINING);
    World low = new World(e.engine(), 2);
    World high = new World(e.engine(), 1);
    assertTrue(low.tenantId < high.tenantId, "tenant ids ascend as tenants are created");
    TenantScope a = e.scope(low);
    TenantScope b = e.scope(high);
    List<Object> got = batch(e, () -> a.points().award(low.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> b.points().award(high.ref(0), PointsChange.of(20, "purchase")),
        () -> a.points().award(low.ref(1), PointsChange.of(10, "purchase")),
        () -> b.points().deduct(high.ref(0), PointsChange.of(5, "refund")),
        () -> a.points().award(low.ref(0), PointsChange.of(3, "purchase"))));

    assertRunTogether(e.probe(), 4);
    assertEquals(20, result(got.get(1)).balance());
    assertEquals(10, result(got.get(2)).balance());
    assertEquals(15, result(got.get(3)).balance());
    assertEquals(4, result(got.get(4)).balance());
    // The lower tenant's group ran first, then the higher one's: each group in arrival order.
    assertAscending(entryIds(got, 2, 4, 1, 3), "entries of the lower tenant first, each tenant's in arrival order");
    assertEquals(List.of(3L, 1L), amounts(a, low.ref(0)));
    assertEquals(List.of(-5L, 20L), amounts(b, high.ref(0)));
    assertEquals(20, b.participants().get(high.ref(0)).lifetimePoints());
    assertBoardsAgree(a, low, BoardMetric.POINTS);
    assertBoardsAgree(b, high, BoardMetric.POINTS);
  }

  @Test
  void aCallRefusedInABatchOfSeveralTenantsRunInOneGoFailsAloneTheOthersCommit() throws Exception {
    Engine e = engine(COMBINING);
    World low = new World(e.engine(), 1);
    World high = new World(e.engine(), 1);
    TenantScope a = e.scope(low);
    TenantScope b = e.scope(high);
    List<Object> got = batch(e, () -> a.points().award(low.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> b.points().award(high.ref(0), PointsChange.of(20, "purchase")),
        () -> a.points().deduct(low.ref(0), PointsChange.of(50, "refund")),
        () -> a.points().award(low.ref(0), PointsChange.of(3, "purchase"))));

    assertRunTogether(e.probe(), 2);
    assertEquals(20, result(got.get(1)).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(2), "deduct 50 of 1");
    assertEquals(4, result(got.get(3)).balance());
    assertEquals(List.of(3L, 1L), amounts(a, low.ref(0)));
    assertEquals(List.of(20L), amounts(b, high.ref(0)));
  }

  @Test
  void aBatchInWhichNoCallChangesAnythingIsRolledBackAndEachCallerGetsItsAnswer() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    PointsChange paid = PointsChange.of(5, "purchase").withIdempotencyKey("paid");
    PointsResult first = scope.points().award(w.ref(0), paid);
    List<Object> got = batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(ParticipantRef.id(UNKNOWN), PointsChange.of(5, "purchase")),
        () -> scope.points().deduct(w.ref(1), PointsChange.of(1, "redemption")),
        () -> scope.points().award(w.ref(0), paid),
        () -> scope.points().deductUpToBalance(w.ref(1), PointsChange.of(4, "refund"))));

    assertEquals(List.of(new GroupCommitProbe.Tx(0, 0, 1, true), new GroupCommitProbe.Tx(0, 0, 0, false)),
        e.probe().transactions(), "the plug committed; the batch ran in one go, rolled back, and nothing ran again");
    assertCode(ErrorCode.NOT_FOUND, null, got.get(1), "an unknown participant");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(2), "1 of 0");
    PointsResult replay = result(got.get(3));
    assertTrue(replay.replayed());
    assertEquals(first.entry(), replay.entry());
    assertNull(result(got.get(4)).entry(), "nothing to take");
    assertEquals(0, result(got.get(4)).balance());
    assertEquals(List.of(1L, 5L), amounts(scope, w.ref(0)));
    assertEquals(List.of(), amounts(scope, w.ref(1)));
  }

  @Test
  void aBulkChunkThatChangesNothingBehindASavepointIsUndoneAloneAndItsCallerGetsItsOutcomes() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    List<Object> got = batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().applyAll(List.of(
            PointsOperation.deduct(w.ref(1), PointsChange.of(7, "redemption")),
            PointsOperation.award(ParticipantRef.id(UNKNOWN), PointsChange.of(2, "purchase")))),
        () -> scope.points().award(w.ref(1), PointsChange.of(3, "purchase"))));

    // A bulk chunk is not combinable: the batch runs each unit behind a savepoint, and commits the award.
    assertEquals(List.of(new GroupCommitProbe.Tx(0, 0, 1, true), new GroupCommitProbe.Tx(1, 1, 0, true)),
        e.probe().transactions(), "the plug, then the batch behind savepoints, the chunk's undone");
    @SuppressWarnings("unchecked")
    List<PointsOutcome> outcomes = (List<PointsOutcome>) got.get(1);
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", outcomes.get(0).error(), "7 of 0");
    assertCode(ErrorCode.NOT_FOUND, null, outcomes.get(1).error(), "an unknown participant");
    assertEquals(3, result(got.get(2)).balance());
    assertEquals(List.of(3L), amounts(scope, w.ref(1)));
  }

  @Test
  void aTenantsGroupThatChangesNothingLeavesTheOtherTenantsGroupToCommitInTheSameTransaction() throws Exception {
    Engine e = engine(COMBINING);
    World low = new World(e.engine(), 1);
    World high = new World(e.engine(), 1);
    TenantScope a = e.scope(low);
    TenantScope b = e.scope(high);
    List<Object> got = batch(e, () -> a.points().award(low.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> a.points().deduct(low.ref(0), PointsChange.of(50, "refund")),
        () -> b.points().award(high.ref(0), PointsChange.of(20, "purchase")),
        () -> a.points().award(ParticipantRef.id(UNKNOWN), PointsChange.of(3, "purchase")),
        () -> b.points().deduct(high.ref(0), PointsChange.of(5, "redemption"))));

    assertEquals(List.of(new GroupCommitProbe.Tx(0, 0, 1, true), new GroupCommitProbe.Tx(0, 0, 2, true)),
        e.probe().transactions(), "the plug, then the batch in one transaction, committed");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(1), "deduct 50 of 1");
    assertEquals(20, result(got.get(2)).balance());
    assertCode(ErrorCode.NOT_FOUND, null, got.get(3), "an unknown participant");
    assertEquals(15, result(got.get(4)).balance());
    assertEquals(List.of(1L), amounts(a, low.ref(0)));
    assertEquals(List.of(-5L, 20L), amounts(b, high.ref(0)));
  }

  @Test
  void aCallRefusedAfterItsChangeWasWorkedOutSendsTheBatchTheCarefulWayAndKeepsNothingOfIt() throws Exception {
    Engine e = engine(COMBINING);
    World other = new World(e.engine(), 1);
    World w = new World(e.engine(), 1);
    TenantScope scope = e.scope(w);
    // A second campaign of the tenant, whose zone the engine reads (and remembers) with this first award.
    Campaign second = scope.campaigns().create(
        NewCampaign.running(scope.campaigns().get(w.campaignId).brandId(), "Second"));
    ParticipantRef rich = ParticipantRef.id(
        scope.participants().create(second.id(), NewParticipant.withEmail("rich@example.com")).id());
    scope.points().award(rich, PointsChange.of(20, "purchase"));
    e.probe().hideCampaigns(id -> id == w.campaignId);
    List<Object> got = batch(e, () -> e.scope(other).points().award(other.ref(0), PointsChange.of(1, "plug")),
        List.of(
            () -> scope.points().deduct(rich, PointsChange.of(5, "redemption")),
            () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
            () -> scope.points().deduct(rich, PointsChange.of(1, "redemption"))));
    e.probe().hideCampaigns(id -> false);

    // The award reads its campaign's zone (the first time on this engine) only after its balance change was worked
    // out in memory: the batch gives up its one go, and runs each call behind a savepoint.
    assertEquals(List.of(new GroupCommitProbe.Tx(0, 0, 1, true), new GroupCommitProbe.Tx(0, 0, 0, false),
        new GroupCommitProbe.Tx(2, 1, 0, true)), e.probe().transactions(), "plug; one go, rolled back; careful");
    assertEquals(15, result(got.get(1)).balance());
    assertCode(ErrorCode.NOT_FOUND, null, got.get(2), "the award, whose campaign could not be read");
    assertEquals(14, result(got.get(3)).balance());
    assertEquals(List.of(), amounts(scope, w.ref(0)), "the award's credit was not kept");
    assertEquals(0, balance(scope, w.ref(0)));
    assertEquals(List.of(-1L, -5L, 20L), amounts(scope, rich));
    assertEquals(10, scope.points().award(w.ref(0), PointsChange.of(10, "purchase")).balance());
  }

  @Test
  void aBatchRunTogetherFailingTransientlyAtItsEndIsRunAgainOneUnitAtATime() throws Exception {
    List<GroupCommitProbe.Tx> txs =
        batchRunTogetherFailsAtItsEnd(() -> new TransientStorageException("injected deadlock", null));
    assertTrue(txs.stream().noneMatch(tx -> tx.shared() && tx.committed()), "not retried shared: " + txs);
  }

  @Test
  void aBatchRunTogetherFailingForGoodAtItsEndIsRunAgainTheCarefulWay() throws Exception {
    List<GroupCommitProbe.Tx> txs =
        batchRunTogetherFailsAtItsEnd(() -> new StorageException("injected commit failure", null));
    assertTrue(txs.contains(new GroupCommitProbe.Tx(4, 0, 0, true)), "each unit behind a savepoint: " + txs);
  }

  @Test
  void aBatchRunTogetherWhoseCommitOutcomeIsUnknownIsNeverRunAgain() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    e.probe().failAfterNextSharedCommit(() -> new CommitOutcomeUnknownException("injected: commit answer lost", null));
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase")),
        () -> scope.points().award(w.ref(1), PointsChange.of(2, "purchase")),
        () -> scope.points().deduct(w.ref(1), PointsChange.of(1_000, "redemption"))));

    assertTrue(e.probe().transactions().contains(new GroupCommitProbe.Tx(0, 0, 3, true)),
        "the batch ran together and committed: " + e.probe().transactions());
    for (int i = 1; i < 4; i++) {
      assertOutcomeUnknown(got.get(i), "caller " + i);
    }
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(4), "a refusal is known to have changed nothing");
    assertEquals(List.of(20L, 10L), amounts(scope, w.ref(0)), "applied once, not run again");
    assertEquals(List.of(2L, 1L), amounts(scope, w.ref(1)));
  }

  @Test
  void aSharedTransactionWhoseCommitOutcomeIsUnknownIsNeverRunAgain() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    e.probe().failAfterNextSharedCommit(() -> new CommitOutcomeUnknownException("injected: commit answer lost", null));
    // The recorded action cannot run in one go with awards: the batch runs behind savepoints.
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id())),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(1_000, "redemption"))));

    assertTrue(e.probe().transactions().contains(new GroupCommitProbe.Tx(2, 1, 0, true)),
        "the batch ran behind savepoints and committed: " + e.probe().transactions());
    assertOutcomeUnknown(got.get(1), "the award");
    assertOutcomeUnknown(got.get(2), "the action");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(3), "rolled back to its savepoint: known");
    assertEquals(List.of(10L), amounts(scope, w.ref(0)), "applied once, not run again");
    assertEquals(2, scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id())).counts().allTime(),
        "the batch's action counted once: this one is the second");
  }

  @Test
  void aBulkChunkWhoseCommitOutcomeIsUnknownIsNeverRunAgain() {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    e.probe().failAfterNextSharedCommit(() -> new CommitOutcomeUnknownException("injected: commit answer lost", null));
    List<PointsOutcome> outcomes = scope.points().applyAll(List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(10, "import")),
        PointsOperation.deduct(w.ref(0), PointsChange.of(1_000, "import")),
        PointsOperation.award(w.ref(1), PointsChange.of(5, "import"))));

    assertOutcomeUnknown(outcomes.get(0).error(), "a bulk operation");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", outcomes.get(1).error(), "a refusal is known");
    assertOutcomeUnknown(outcomes.get(2).error(), "a bulk operation");
    assertEquals(List.of(10L), amounts(scope, w.ref(0)), "applied once, not run again");
    assertEquals(List.of(5L), amounts(scope, w.ref(1)));
  }

  @Test
  void aBulkChunkRunAgainBehindSavepointsWhoseCommitOutcomeIsUnknownGivesEachOperationItsOutcome() {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 3);
    TenantScope scope = e.scope(w);
    long poisoned = w.participants.get(2);
    // The store refuses the event of an award to participant 2: the chunk's run in one go fails, and the chunk runs
    // again with each operation behind a savepoint, where that award alone is undone; that run's commit answer is
    // lost.
    e.probe().poisonEvents(event -> Objects.equals(event.participantId(), poisoned));
    e.probe().failAfterNextSharedCommit(() -> new CommitOutcomeUnknownException("injected: commit answer lost", null));
    List<PointsOutcome> outcomes = scope.points().applyAll(List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(10, "import")),
        PointsOperation.deduct(w.ref(0), PointsChange.of(1_000, "import")),
        PointsOperation.award(w.ref(2), PointsChange.of(7, "import")),
        PointsOperation.award(w.ref(1), PointsChange.of(5, "import"))));

    assertOutcomeUnknown(outcomes.get(0).error(), "a bulk operation");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", outcomes.get(1).error(), "a refusal is known");
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, outcomes.get(2).error(), "rolled back to its savepoint");
    assertFalse(outcomes.get(2).error().getMessage().contains("may have been made"),
        "known to have changed nothing: " + outcomes.get(2).error());
    assertOutcomeUnknown(outcomes.get(3).error(), "a bulk operation");
    assertEquals(List.of(10L), amounts(scope, w.ref(0)), "applied once, not run again");
    assertEquals(List.of(5L), amounts(scope, w.ref(1)));
    assertEquals(List.of(), amounts(scope, w.ref(2)));
  }

  @Test
  void aBulkChunkWhoseTransactionCannotBeginIsNotRunAgainBehindSavepoints() {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    e.probe().failBegins(() -> new StorageException("injected: no connection", null));
    LoyaltyException failed = assertThrows(LoyaltyException.class, () -> scope.points().applyAll(List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(10, "import")),
        PointsOperation.award(w.ref(1), PointsChange.of(5, "import")))));

    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, failed, "the database unreachable");
    assertEquals(1, e.probe().failedBegins(),
        "the chunk's transaction was tried once: run again, it waits for a connection as long again");
    e.probe().failBegins(null);
    assertEquals(List.of(), amounts(scope, w.ref(0)));
  }

  @Test
  void aBulkChunkReplayingAnEntryOfItsOwnSharedTransactionWhoseCommitOutcomeIsUnknownIsNotToldItSucceeded()
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    e.probe().failAfterNextSharedCommit(() -> new CommitOutcomeUnknownException("injected: commit answer lost", null));
    // The recorded action sends the batch behind savepoints; the chunk then changes nothing: it replays the entry
    // the first award wrote in the same transaction, and is refused an overdraft.
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase").withIdempotencyKey("order-1")),
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id())),
        () -> scope.points().applyAll(List.of(
            PointsOperation.award(w.ref(0), PointsChange.of(10, "purchase").withIdempotencyKey("order-1")),
            PointsOperation.deduct(w.ref(1), PointsChange.of(1_000, "redemption"))))));

    assertTrue(e.probe().transactions().contains(new GroupCommitProbe.Tx(2, 1, 0, true)),
        "the batch ran behind savepoints and committed: " + e.probe().transactions());
    assertOutcomeUnknown(got.get(1), "the award");
    @SuppressWarnings("unchecked")
    List<PointsOutcome> outcomes = (List<PointsOutcome>) got.get(3);
    assertOutcomeUnknown(outcomes.get(0).error(), "a replay of an entry whose commit is unknown");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", outcomes.get(1).error(), "a refusal is known");
    assertEquals(List.of(10L), amounts(scope, w.ref(0)), "applied once, not run again");
  }

  /** A STORAGE_UNAVAILABLE that says the change may have been made. */
  private static void assertOutcomeUnknown(Object got, String what) {
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got, what);
    assertTrue(((LoyaltyException) got).getMessage().contains("may have been made"), what + ": " + got);
  }

  /** A batch that would run together fails at its end, once: each call still applies once, in order. */
  private List<GroupCommitProbe.Tx> batchRunTogetherFailsAtItsEnd(Supplier<RuntimeException> failure)
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    e.probe().failNextSharedTransaction(failure);
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(4, "redemption")),
        () -> scope.points().award(w.ref(1), PointsChange.of(2, "purchase").withIdempotencyKey("kept-once")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase"))));

    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertTrue(txs.contains(new GroupCommitProbe.Tx(0, 0, 4, false)), "the batch run together failed: " + txs);
    assertEquals(10, result(got.get(1)).balance());
    assertEquals(6, result(got.get(2)).balance());
    assertEquals(3, result(got.get(3)).balance());
    assertFalse(result(got.get(3)).replayed());
    assertEquals(26, result(got.get(4)).balance());
    assertEquals(List.of(20L, -4L, 10L), amounts(scope, w.ref(0)));
    assertEquals(List.of(2L, 1L), amounts(scope, w.ref(1)));
    return txs;
  }

  // ==================================================================== failures in a batch

  @Test
  void aFailingOperationNeverFailsItsNeighboursInTheSameBatch() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 5);
    TenantScope scope = e.scope(w);
    scope.points().award(w.ref(1), PointsChange.of(50, "welcome"));
    scope.points().award(w.ref(1), PointsChange.of(1, "purchase").withIdempotencyKey("used"));
    scope.points().award(w.ref(4), PointsChange.of(40, "welcome"));
    CatalogReward tin = scope.catalog().create(
        NewCatalogReward.of(w.campaignId, "Tea tin", 30, RewardType.CUSTOM_MESSAGE).withStock(5));
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    long poisoned = w.participants.get(3);
    e.probe().poisonEvents(event -> Objects.equals(event.participantId(), poisoned));

    List<Object> got = batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(1), PointsChange.of(10, "purchase").withIdempotencyKey("a0")),
        () -> scope.points().deduct(w.ref(1), PointsChange.of(1_000, "redemption")),
        () -> scope.points().award(ParticipantRef.id(UNKNOWN), PointsChange.of(5, "purchase")),
        () -> scope.points().award(w.ref(1), PointsChange.of(2, "purchase").withIdempotencyKey("used")),
        () -> scope.catalog().redeem(w.ref(2), tin.id(), "r-poor"),
        () -> scope.points().award(w.ref(3), PointsChange.of(7, "purchase")),
        () -> scope.points().deductUpToBalance(w.ref(1), PointsChange.of(80, "refund")),
        () -> scope.catalog().redeem(w.ref(4), tin.id(), "r-rich"),
        () -> scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(w.campaignId, "new@example.com"),
            loyal.id())),
        () -> scope.points().award(w.ref(2), PointsChange.of(3, "purchase").withIdempotencyKey("a9"))));

    // The redemptions share the tea tin's row; the action, which may take a coupon pool, waits for the next batch.
    assertSharedTransaction(e.probe(), 3, 5);
    assertSharedTransaction(e.probe(), 2, 0);
    assertEquals(10, result(got.get(1)).entry().amount());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(2), "deduct 1,000");
    assertCode(ErrorCode.NOT_FOUND, null, got.get(3), "unknown participant");
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", got.get(4), "reused key");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, null, got.get(5), "redemption without the points");
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(6), "an award whose event the store refused");
    PointsResult capped = result(got.get(7));
    assertEquals(61, capped.entry().amount(), "50 + 1 + 10 taken, not 80");
    assertEquals(0, capped.balance());
    Redemption rich = assertInstanceOf(Redemption.class, got.get(8));
    assertEquals(10, rich.balance());
    ActionResult action = assertInstanceOf(ActionResult.class, got.get(9));
    assertTrue(action.participantCreated());
    assertEquals(3, result(got.get(10)).balance());

    assertEquals(4, scope.catalog().get(tin.id()).stock(), "the poor redemption's stock came back");
    assertEquals(3, balance(scope, w.ref(2)));
    assertEquals(0, balance(scope, w.ref(3)), "the refused award's credit was undone");
    assertEquals(List.of(), ledger(scope, w.ref(3)));
    assertEquals(0, scope.participants().get(w.ref(3)).lifetimePoints());
    assertEquals(0, balance(scope, w.ref(1)));
    assertEquals(List.of(-61L, 10L, 1L, 50L),
        amounts(scope, w.ref(1)));
    assertEquals(10, balance(scope, w.ref(4)));
    assertEquals(new HashSet<>(List.of(w.participants.get(0), w.participants.get(1), w.participants.get(2),
        w.participants.get(3), w.participants.get(4), action.participantId())),
        new HashSet<>(board(scope, w, BoardPeriod.ALL_TIME, BoardMetric.POINTS, Consistency.STRONG).stream()
            .map(BoardEntry::participantId).toList()));
  }

  @Test
  void anOperationUndoneInsideABatchLeavesNothingInTheLeaderboardIndex() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 3);
    TenantScope scope = e.scope(w);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    for (int p = 0; p < 3; p++) {
      scope.rewards().recordAction(LoyaltyAction.of(w.ref(p), loyal.id()));
      scope.points().award(w.ref(p), PointsChange.of(10L * (p + 1), "purchase"));
    }
    for (BoardMetric metric : BoardMetric.values()) {
      for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
        board(scope, w, period, metric, Consistency.INDEX); // builds the indexes, which follow every commit after
      }
    }
    long counted = w.participants.get(1);
    // The action of participant 1 fails after its counters were raised; a new email fails after it was enrolled;
    // an award of participant 2 fails after its points counters were raised.
    e.probe().poisonEvents(event -> event.type() == EventType.LOYALTY_ACTION_RECORDED
        && Objects.equals(event.participantId(), counted)
        || event.type() == EventType.PARTICIPANT_CREATED && event.payload().contains("undone@example.com")
        || event.type() == EventType.POINTS_AWARDED && Objects.equals(event.participantId(), w.participants.get(2)));

    List<Object> got = batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(0), loyal.id())),
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id())),
        () -> scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(w.campaignId,
            "undone@example.com"), loyal.id())),
        () -> scope.points().award(w.ref(2), PointsChange.of(1_000, "purchase")),
        () -> scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(w.campaignId,
            "kept@example.com"), loyal.id()))));

    assertSharedTransaction(e.probe(), 2, 3);
    assertInstanceOf(ActionResult.class, got.get(1));
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(2), "participant 1's action");
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(3), "the enrolment of undone@");
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(4), "participant 2's award");
    assertInstanceOf(ActionResult.class, got.get(5));
    for (BoardMetric metric : BoardMetric.values()) {
      assertBoardsAgree(scope, w, metric);
    }
    assertEquals(1, scope.leaderboards().standing(w.ref(1), BoardMetric.ACTIONS, Consistency.INDEX).score(),
        "participant 1's undone action is not counted");
    assertEquals(30, scope.leaderboards().standing(w.ref(2), BoardMetric.POINTS, Consistency.INDEX).score());
  }

  // ==================================================================== order and keys

  @Test
  void callsOnOneParticipantApplyInTheOrderTheyArrivedInsideABatch() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(10, "redemption")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(1, "redemption")),
        () -> scope.points().award(w.ref(0), PointsChange.of(5, "purchase")),
        () -> scope.points().deductUpToBalance(w.ref(0), PointsChange.of(100, "refund")),
        () -> scope.points().deductUpToBalance(w.ref(0), PointsChange.of(100, "refund")),
        () -> scope.points().award(w.ref(0), PointsChange.of(2, "purchase"))));

    assertRunTogether(e.probe(), 5);
    assertEquals(10, result(got.get(1)).balance());
    assertEquals(0, result(got.get(2)).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(3), "the third call, after the balance was spent");
    assertEquals(5, result(got.get(4)).balance());
    assertEquals(5, result(got.get(5)).entry().amount());
    assertNull(result(got.get(6)).entry(), "nothing left to take");
    assertEquals(2, result(got.get(7)).balance());
    assertAscending(entryIds(got, 1, 2, 4, 5, 7), "entries numbered in arrival order");
  }

  /**
   * Redemptions and recorded actions may lock rows that calls on other participants lock too (a catalog reward, a
   * coupon pool): a batch holds those of the same rows only (redemptions of one catalog reward, actions toward one
   * campaign reward), and a call sharing other rows waits at the head of the queue to lead the next batch, so that
   * calls still apply in the order they arrived.
   */
  @Test
  void aBatchHoldsCallsThatShareTheSameRowsOnlyTheNextLeadsTheNextBatchAndCallsApplyInArrivalOrder()
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    CatalogReward mug = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Mug", 10,
        RewardType.CUSTOM_MESSAGE));
    CatalogReward cup = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Cup", 10,
        RewardType.CUSTOM_MESSAGE));
    CampaignReward thanks = scope.rewards().define(w.campaignId, NewCampaignReward.message("Thanks", "Thank you", 2));
    scope.points().award(w.ref(0), PointsChange.of(30, "purchase"));
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.catalog().redeem(w.ref(0), mug.id(), null),
        () -> scope.points().award(w.ref(0), PointsChange.of(5, "purchase")),
        () -> scope.catalog().redeem(w.ref(0), mug.id(), null),
        () -> scope.catalog().redeem(w.ref(0), cup.id(), null),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(15, "redemption")),
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(0), thanks.id())),
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(0), thanks.id()))));

    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertEquals(List.of(3, 2, 2), txs.stream().filter(tx -> tx.nested() > 0).map(GroupCommitProbe.Tx::nested)
        .toList(), () -> "the mugs and the award, the cup and the deduction, the actions: " + txs);
    assertEquals(20, assertInstanceOf(Redemption.class, got.get(1)).balance());
    assertEquals(25, result(got.get(2)).balance());
    assertEquals(15, assertInstanceOf(Redemption.class, got.get(3)).balance());
    assertEquals(5, assertInstanceOf(Redemption.class, got.get(4)).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(5), "15 of 5");
    assertEquals(1, assertInstanceOf(ActionResult.class, got.get(6)).counts().rewardAllTime());
    ActionResult second = assertInstanceOf(ActionResult.class, got.get(7));
    assertEquals(2, second.counts().rewardAllTime());
    assertEquals(1, second.unlocked().size(), "the second action unlocks the reward");
  }

  @Test
  void callsRefusedInABatchRunInOneGoGetTheirErrorsAndChangeNothingWhileTheOthersCommit() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    scope.points().award(w.ref(1), PointsChange.of(1, "purchase").withIdempotencyKey("used"));
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().award(ParticipantRef.id(UNKNOWN), PointsChange.of(5, "purchase")),
        () -> scope.points().award(ParticipantRef.email(w.campaignId, "nobody@example.com"),
            PointsChange.of(5, "purchase")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(11, "redemption")),
        () -> scope.points().award(w.ref(0), PointsChange.of(2, "purchase").withIdempotencyKey("used")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(1_000, "redemption").withIdempotencyKey("k9")),
        () -> scope.points().award(w.ref(0), PointsChange.of(1, "purchase").withIdempotencyKey("k9")),
        () -> scope.points().deductUpToBalance(w.ref(0), PointsChange.of(4, "refund"))));

    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertRunTogether(e.probe(), 3);
    assertTrue(txs.stream().allMatch(tx -> tx.committed() && tx.nested() == 0),
        "one go, never the careful way: " + txs);
    assertEquals(10, result(got.get(1)).balance());
    assertCode(ErrorCode.NOT_FOUND, null, got.get(2), "an unknown id");
    assertCode(ErrorCode.NOT_FOUND, null, got.get(3), "an unknown email");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(4), "11 of 10");
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", got.get(5), "a key used with other parameters");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(6), "1,000 of 10");
    PointsResult keyFree = result(got.get(7));
    assertFalse(keyFree.replayed(), "the refused deduction left its key unused");
    assertEquals(11, keyFree.balance());
    PointsResult capped = result(got.get(8));
    assertEquals(4, capped.entry().amount(), "the refusals before it took nothing");
    assertEquals(7, capped.balance());
    assertEquals(List.of(-4L, 1L, 10L), amounts(scope, w.ref(0)));
    assertEquals(11, scope.participants().get(w.ref(0)).lifetimePoints());
    assertEquals(List.of(1L, 1L), amounts(scope, w.ref(1)));
    assertBoardsAgree(scope, w, BoardMetric.POINTS);
  }

  @Test
  void twoCallersWithOneKeyInOneBatchGetOneEntryAndTheSameResult() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    scope.points().award(w.ref(1), PointsChange.of(100, "welcome"));
    PointsChange award = PointsChange.of(5, "purchase").withIdempotencyKey("order-1");
    PointsChange refund = PointsChange.of(30, "refund").withIdempotencyKey("refund-1");
    List<Object> got = batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), award),
        () -> scope.points().deductUpToBalance(w.ref(1), refund),
        () -> scope.points().award(w.ref(0), award),
        () -> scope.points().deductUpToBalance(w.ref(1), refund),
        () -> scope.points().award(w.ref(1), award)));

    assertRunTogether(e.probe(), 2);
    PointsResult first = result(got.get(1));
    PointsResult again = result(got.get(3));
    assertFalse(first.replayed());
    assertTrue(again.replayed());
    assertEquals(first.entry(), again.entry());
    assertEquals(first.balance(), again.balance());
    assertEquals(result(got.get(2)).entry(), result(got.get(4)).entry());
    assertTrue(result(got.get(4)).replayed());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", got.get(5), "the key for another participant");
    assertEquals(6, balance(scope, w.ref(0)));
    assertEquals(70, balance(scope, w.ref(1)));
    assertEquals(2, ledger(scope, w.ref(0)).size());
  }

  @Test
  void aDeductionAndACappedDeductionWithOneKeyInOneBatchAreDifferentRequests() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    scope.points().award(w.ref(0), PointsChange.of(200, "purchase"));
    scope.points().award(w.ref(1), PointsChange.of(30, "purchase"));
    PointsChange redeem = PointsChange.of(50, "redemption").withIdempotencyKey("redeem-1");
    PointsChange refund = PointsChange.of(120, "refund").withIdempotencyKey("refund-1");
    // Stored before the batch: the batch reads it with its keys.
    PointsChange whole = PointsChange.of(10, "refund").withIdempotencyKey("refund-whole");
    scope.points().deductUpToBalance(w.ref(0), whole);
    List<Object> got = batch(e, () -> scope.points().award(w.ref(0), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().deduct(w.ref(0), redeem),
        () -> scope.points().deductUpToBalance(w.ref(0), redeem),
        () -> scope.points().deductUpToBalance(w.ref(1), refund),
        () -> scope.points().deduct(w.ref(1), new PointsChange(30, "refund", null, "refund-1")),
        () -> scope.points().deductUpToBalance(w.ref(1), refund),
        () -> scope.points().deduct(w.ref(0), whole)));

    assertRunTogether(e.probe(), 2);
    assertFalse(result(got.get(1)).replayed());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", got.get(2), "capped, with a plain deduction's key");
    PointsResult capped = result(got.get(3));
    assertEquals(30, capped.entry().amount());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", got.get(4), "plain, of what a capped one took");
    assertEquals(new PointsResult(capped.entry(), 0, true), result(got.get(5)));
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", got.get(6),
        "plain, with the key of a capped one that took all it asked");
    assertEquals(141, balance(scope, w.ref(0)));
    assertEquals(0, balance(scope, w.ref(1)));
  }

  @Test
  void manyThreadsRetryingTheSameKeysGetOneEntryPerKey() {
    Seeded.run(this, "same keys", this::sameKeys);
  }

  private void sameKeys(long seed) throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    int threads = 8;
    int keys = 15;
    List<Map<String, PointsResult>> got = together(threads, t -> {
      List<Integer> order = new ArrayList<>();
      for (int k = 0; k < keys; k++) {
        order.add(k);
      }
      Collections.shuffle(order, new Random(seed + t));
      return () -> {
        Map<String, PointsResult> mine = new HashMap<>();
        for (int k : order) {
          mine.put("k" + k, scope.points().award(w.ref(k % 2), PointsChange.of(k + 1, "purchase")
              .withIdempotencyKey("k" + k)));
        }
        return mine;
      };
    });
    Map<String, Set<LedgerEntry>> entries = new HashMap<>();
    Map<String, Integer> firsts = new HashMap<>();
    for (Map<String, PointsResult> mine : got) {
      mine.forEach((key, r) -> {
        entries.computeIfAbsent(key, x -> new HashSet<>()).add(r.entry());
        if (!r.replayed()) {
          firsts.merge(key, 1, Integer::sum);
        }
      });
    }
    for (int k = 0; k < keys; k++) {
      assertEquals(1, entries.get("k" + k).size(), "one entry for k" + k);
      assertEquals(1, firsts.get("k" + k), "one caller applied k" + k);
    }
    assertEquals(keys, ledger(scope, w.ref(0)).size() + ledger(scope, w.ref(1)).size());
    assertEquals(keys * (keys + 1) / 2, balance(scope, w.ref(0)) + balance(scope, w.ref(1)));
  }

  /**
   * Callers interrupted while queued (a host cancelling requests with {@code Future.cancel(true)}) must not turn
   * into failures of the other callers' operations. Whichever queued caller leads the next batch runs everyone's
   * units of work on its own thread; an interrupted one spins (its park returns at once) and usually wins. No
   * timing makes this fail on correct code; on code that runs the batch with the leader's interrupt set, each round
   * fails when an interrupted caller happens to lead, hence a few rounds.
   */
  @Test
  void callersInterruptedWhileQueuedNeitherFailTheirNeighboursNorLoseTheirInterrupt() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    long expected = 0;
    for (int round = 0; round < 4; round++) {
      ExecutorService pool = threads(6);
      GroupCommitProbe.Gate gate = e.probe().holdNextTransaction();
      Future<Object> plug = pool.submit(answer(() -> scope.points().award(w.ref(1), PointsChange.of(1, "plug"))));
      gate.awaitHeld();
      List<Future<Object[]>> callers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        boolean neighbour = i < 2;
        long amount = neighbour ? 10L * (i + 1) : 1;
        callers.add(pool.submit(() -> {
          thread.complete(Thread.currentThread());
          Object got = answer(() -> scope.points().award(w.ref(neighbour ? 0 : 1), PointsChange.of(amount, "x")))
              .call();
          return new Object[] {got, Thread.interrupted()};
        }));
        GroupCommitProbe.awaitQueued(thread.get(60, TimeUnit.SECONDS));
        if (!neighbour) {
          thread.get().interrupt();
        }
      }
      gate.release();
      assertInstanceOf(PointsResult.class, plug.get(2, TimeUnit.MINUTES));
      for (int i = 0; i < 5; i++) {
        Object[] got = callers.get(i).get(2, TimeUnit.MINUTES);
        if (i < 2) {
          assertInstanceOf(PointsResult.class, got[0], "round " + round + ": a caller queued beside interrupted "
              + "ones got " + got[0] + (got[0] instanceof Throwable t ? " caused by " + t.getCause() : ""));
          expected += 10L * (i + 1);
        } else {
          assertTrue((Boolean) got[1], "an interrupted caller still has its interrupt when the call returns");
        }
      }
      assertEquals(expected, balance(scope, w.ref(0)), "round " + round);
    }
  }

  // ==================================================================== a failing shared transaction

  @Test
  void aSharedTransactionFailingTransientlyAtItsEndIsRunAgainOneUnitAtATime() throws Exception {
    sharedTransactionFailsAtItsEnd(() -> new TransientStorageException("injected deadlock", null));
  }

  @Test
  void aSharedTransactionFailingForGoodAtItsEndIsRunAgainOneUnitAtATime() throws Exception {
    sharedTransactionFailsAtItsEnd(() -> new StorageException("injected commit failure", null));
  }

  private void sharedTransactionFailsAtItsEnd(Supplier<RuntimeException> failure)
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    e.probe().failNextSharedTransaction(failure);
    // The recorded action cannot run in one go with awards: the batch runs behind savepoints.
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(25, "redemption")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(25, "redemption")),
        () -> scope.points().award(w.ref(0), PointsChange.of(4, "purchase").withIdempotencyKey("kept-once")),
        () -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id()))));

    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertTrue(txs.stream().anyMatch(tx -> tx.shared() && !tx.committed()), "the shared one failed: " + txs);
    assertTrue(txs.stream().noneMatch(tx -> tx.shared() && tx.committed()), "and was not retried shared: " + txs);
    assertEquals(10, result(got.get(1)).balance());
    assertEquals(30, result(got.get(2)).balance());
    assertEquals(5, result(got.get(3)).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(4), "the second deduction, in order");
    assertEquals(9, result(got.get(5)).balance());
    assertFalse(result(got.get(5)).replayed());
    assertEquals(List.of(4L, -25L, 20L, 10L),
        amounts(scope, w.ref(0)), "each applied exactly once");
    assertEquals(9, balance(scope, w.ref(0)));
    assertEquals(1, assertInstanceOf(ActionResult.class, got.get(6)).counts().allTime(), "the action applied once");
  }

  @Test
  void aUnitFailingTransientlyInsideABatchGivesUpTheBatchAndOrderHolds() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 3);
    TenantScope scope = e.scope(w);
    // An award whose event the store refuses fails the batch in one go, so it runs behind savepoints, where the
    // debit fails transiently.
    long poisoned = w.participants.get(2);
    e.probe().poisonEvents(event -> Objects.equals(event.participantId(), poisoned));
    e.probe().failNextDebitInASharedTransaction(() -> new TransientStorageException("injected deadlock", null));
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(10, "redemption")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(1, "redemption")),
        () -> scope.points().award(w.ref(0), PointsChange.of(3, "purchase")),
        () -> scope.points().award(w.ref(2), PointsChange.of(7, "purchase"))));

    List<GroupCommitProbe.Tx> txs = e.probe().transactions();
    assertTrue(txs.stream().anyMatch(tx -> tx.nested() > 0 && !tx.committed()),
        "the batch behind savepoints was given up: " + txs);
    assertEquals(10, result(got.get(1)).balance());
    assertEquals(0, result(got.get(2)).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", got.get(3), "the deduction of 1 comes after the 10");
    assertEquals(3, result(got.get(4)).balance());
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(5), "the award whose event the store refused");
    assertEquals(List.of(3L, -10L, 10L), amounts(scope, w.ref(0)));
  }

  @Test
  void aUnitThatAlwaysFailsTransientlyFailsAloneAndItsNeighboursApplyOnce() throws Exception {
    Engine e = engine(COMBINING, 2);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    e.probe().poisonEntries(entry -> "doomed".equals(entry.idempotencyKey()),
        () -> new TransientStorageException("injected lock timeout", null));
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().award(w.ref(0), PointsChange.of(5, "purchase").withIdempotencyKey("doomed")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase"))));

    assertEquals(10, result(got.get(1)).balance());
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(2), "the unit that always fails");
    assertEquals(30, result(got.get(3)).balance());
    assertEquals(List.of(20L, 10L), amounts(scope, w.ref(0)));
  }

  // ==================================================================== interrupts and unexpected failures

  /**
   * The thread leading a batch is interrupted while it runs the batch's units of work (a host cancelling that
   * caller's request with {@code Future.cancel(true)}): every caller still gets its own result, each change applied
   * once; the leader keeps its interrupt and no other caller gets one; the interrupted call's key replays its entry;
   * and the store stays usable for the next batch (H2 closes its whole database when an interrupted thread writes
   * its file). In one go, and behind savepoints.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aLeaderInterruptedWhileItRunsABatchAnswersEveryCallerAndKeepsItsInterrupt(boolean behindSavepoints)
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    // The entry is appended on the thread running the batch: its leader.
    e.probe().poisonEntries(entry -> {
      if ("interrupt-here".equals(entry.idempotencyKey())) {
        Thread.currentThread().interrupt();
      }
      return false;
    }, () -> new IllegalStateException("unused"));
    List<Callable<Object>> callers = new ArrayList<>(List.of(
        withInterrupt(() -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase"))),
        withInterrupt(() -> scope.points().award(w.ref(0),
            PointsChange.of(20, "purchase").withIdempotencyKey("interrupt-here"))),
        withInterrupt(() -> scope.points().award(w.ref(0), PointsChange.of(30, "purchase")))));
    if (behindSavepoints) {
      callers.add(withInterrupt(() -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id()))));
    }
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), callers);

    int interrupted = 0;
    for (int i = 1; i < got.size(); i++) {
      Object[] answer = (Object[]) got.get(i);
      assertFalse(answer[0] instanceof Throwable, "caller " + i + " got " + answer[0]);
      interrupted += (Boolean) answer[1] ? 1 : 0;
    }
    assertEquals(1, interrupted, "the leader, and only it, returns with its interrupt");
    assertEquals(List.of(10L, 30L, 60L), List.of(result(((Object[]) got.get(1))[0]).balance(),
        result(((Object[]) got.get(2))[0]).balance(), result(((Object[]) got.get(3))[0]).balance()));
    if (behindSavepoints) {
      assertEquals(1, assertInstanceOf(ActionResult.class, ((Object[]) got.get(4))[0]).counts().allTime());
    }
    e.probe().poisonEntries(entry -> false, () -> new IllegalStateException("unused"));
    List<Object> next = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("interrupt-here")),
        () -> scope.points().award(w.ref(0), PointsChange.of(40, "purchase"))));
    assertTrue(result(next.get(1)).replayed(), "a retry with the key learns the interrupted call's outcome");
    assertEquals(100, result(next.get(2)).balance());
    assertEquals(List.of(40L, 30L, 20L, 10L), amounts(scope, w.ref(0)), "each applied once");
  }

  /**
   * A unit of work of a batch failing with what the engine does not expect of a store (an exception that is no
   * StorageException, or an Error: a bug, or host code the store calls) fails its own call only, with what it threw,
   * as it would alone; its neighbours get their own results, each applied once, and the next batch works. In one go,
   * and behind savepoints.
   */
  @ParameterizedTest
  @CsvSource({"false,false", "false,true", "true,false", "true,true"})
  void anUnexpectedFailureOfOneUnitInABatchFailsOnlyItsOwnCall(boolean behindSavepoints, boolean error)
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    e.probe().poisonEntries(entry -> {
      if (error && "doomed".equals(entry.idempotencyKey())) {
        throw new AssertionError("injected: a unit of work's unexpected error");
      }
      return "doomed".equals(entry.idempotencyKey());
    }, () -> new IllegalStateException("injected: a unit of work's unexpected exception"));
    List<Callable<Object>> callers = new ArrayList<>(List.of(
        thrown(() -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase"))),
        thrown(() -> scope.points().award(w.ref(0), PointsChange.of(5, "purchase").withIdempotencyKey("doomed"))),
        thrown(() -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase")))));
    if (behindSavepoints) {
      callers.add(thrown(() -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id()))));
    }
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), callers);

    assertEquals(10, result(got.get(1)).balance());
    Class<? extends Throwable> own = error ? AssertionError.class : IllegalStateException.class;
    assertTrue(own.isInstance(got.get(2)), "its own failure: " + got.get(2));
    assertTrue(((Throwable) got.get(2)).getMessage().startsWith("injected"), got.get(2).toString());
    assertEquals(30, result(got.get(3)).balance());
    if (behindSavepoints) {
      assertEquals(1, assertInstanceOf(ActionResult.class, got.get(4)).counts().allTime());
    }
    e.probe().poisonEntries(entry -> false, () -> new IllegalStateException("unused"));
    List<Object> next = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(5, "purchase").withIdempotencyKey("doomed")),
        () -> scope.points().award(w.ref(0), PointsChange.of(40, "purchase"))));
    assertFalse(result(next.get(1)).replayed(), "the failed call changed nothing");
    assertEquals(75, result(next.get(2)).balance());
    assertEquals(List.of(40L, 5L, 20L, 10L), amounts(scope, w.ref(0)), "each applied once");
  }

  /**
   * A batch whose transaction cannot begin (the database unreachable: on a pool, each attempt waits out its connection
   * timeout, 30 s by default) is answered at once: every caller gets STORAGE_UNAVAILABLE saying nothing was changed,
   * as it would alone, and no unit of work is tried again alone, one timeout after another (the batch's last caller
   * would wait them all, and the calls queued behind it too); the next batch works. In one go, and behind savepoints.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aBatchWhoseTransactionCannotBeginIsAnsweredWithoutTryingEachCallAgain(boolean behindSavepoints)
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    List<Callable<Object>> callers = awardsAndADeduction(scope, w, behindSavepoints);
    List<Object> got = batch(e, List.of(() -> scope.points().award(w.ref(1), PointsChange.of(1, "plug"))),
        () -> e.probe().failBegins(() -> new StorageException("injected: no connection", null)), callers);

    assertEquals(1, result(got.get(0)).balance(), "the plug was past the failure");
    for (int i = 1; i < got.size(); i++) {
      assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, got.get(i), "caller " + i);
      assertTrue(((LoyaltyException) got.get(i)).getMessage().contains("nothing was changed"), got.get(i) + "");
    }
    assertEquals(1, e.probe().failedBegins(), "the batch's transaction was tried once, not again per call");
    e.probe().failBegins(null);
    List<Object> next = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("k-20")),
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase"))));
    assertFalse(result(next.get(1)).replayed(), "the failed call changed nothing");
    assertEquals(30, result(next.get(2)).balance());
    assertEquals(2, balance(scope, w.ref(1)));
  }

  /**
   * A batch whose transaction fails transiently before its work begins (no turn at an H2 database within its
   * timeout, 10 s) is tried again as a whole, with the retries a call alone gets: once it begins, its callers commit
   * together; if it never does, every caller gets STORAGE_UNAVAILABLE once the batch's retries are spent, rather
   * than each call then trying alone with retries of its own (the batch's last caller would wait them all, and the
   * calls queued behind it too). In one go, and behind savepoints.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aBatchWhoseTransactionFailsTransientlyToBeginIsTriedAgainAsAWhole(boolean behindSavepoints) throws Exception {
    int retries = 3;
    Engine e = engine(COMBINING, retries);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    List<Callable<Object>> callers = awardsAndADeduction(scope, w, behindSavepoints);
    AtomicInteger begins = new AtomicInteger();
    List<Object> got = batch(e, List.of(() -> scope.points().award(w.ref(1), PointsChange.of(1, "plug"))),
        () -> e.probe().failBegins(() -> begins.incrementAndGet() <= retries
            ? new TransientStorageException("injected: no turn", null) : null), callers);

    assertEquals(retries, e.probe().failedBegins(), "the batch's transaction was tried again as a whole");
    assertEquals(10, result(got.get(1)).balance());
    assertEquals(30, result(got.get(2)).balance());
    assertEquals(0, result(got.get(3)).balance());
    if (behindSavepoints) {
      assertEquals(1, assertInstanceOf(ActionResult.class, got.get(4)).counts().allTime());
      assertSharedTransaction(e.probe(), 4, 0);
    } else {
      assertRunTogether(e.probe(), 3);
    }

    List<Object> refused = batch(e, List.of(() -> scope.points().award(w.ref(1), PointsChange.of(1, "plug"))),
        () -> e.probe().failBegins(() -> new TransientStorageException("injected: no turn", null)), List.of(
            () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("k-21")),
            () -> scope.points().award(w.ref(0), PointsChange.of(5, "purchase")),
            () -> scope.points().deduct(w.ref(1), PointsChange.of(1, "redemption"))));
    for (int i = 1; i < refused.size(); i++) {
      assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, refused.get(i), "caller " + i);
      assertTrue(((LoyaltyException) refused.get(i)).getMessage().contains("nothing was changed"), "caller " + i);
    }
    assertEquals(2 * retries + 1, e.probe().failedBegins(), "the batch's tries only, not each call's own after it");
    e.probe().failBegins(null);
    assertEquals(30, balance(scope, w.ref(0)), "nothing of the refused batch was applied");
    assertEquals(1, balance(scope, w.ref(1)));
  }

  // ==================================================================== close

  /**
   * {@code close()} while calls are queued behind a batch in progress: the close waits for them, each gets its own
   * result, applied once, and a call made once the close began is refused with IllegalStateException.
   */
  @Test
  void aCloseWhileCallsAreQueuedWaitsForThemAndEachGetsItsOwnResult() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    ExecutorService pool = threads(5);
    GroupCommitProbe.Gate gate = e.probe().holdNextTransaction();
    Future<Object> plug = pool.submit(answer(() -> scope.points().award(w.ref(1), PointsChange.of(1, "plug"))));
    gate.awaitHeld();
    List<Future<Object>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long amount = 10L * (i + 1);
      queued.add(GroupCommitProbe.submitQueued(pool,
          answer(() -> scope.points().award(w.ref(0), PointsChange.of(amount, "purchase")))));
    }
    CompletableFuture<Thread> closerThread = new CompletableFuture<>();
    Future<?> closed = pool.submit(() -> {
      closerThread.complete(Thread.currentThread());
      e.engine().close();
      return null;
    });
    Thread closer = closerThread.get(60, TimeUnit.SECONDS);
    while (closer.getState() != Thread.State.TIMED_WAITING && !closed.isDone()) {
      Thread.onSpinWait();
    }
    assertFalse(closed.isDone(), "the close waits for the calls in progress");
    assertThrows(IllegalStateException.class, () -> scope.points().award(w.ref(0), PointsChange.of(1, "late")));
    gate.release();

    assertEquals(1, result(plug.get(2, TimeUnit.MINUTES)).balance());
    for (int i = 0; i < 3; i++) {
      assertEquals(10L * (i + 1) * (i + 2) / 2, result(queued.get(i).get(2, TimeUnit.MINUTES)).balance(),
          "queued caller " + i);
    }
    closed.get(2, TimeUnit.MINUTES);
    TenantScope after = unprobedEngine(COMBINING).forTenant(w.tenantId);
    assertEquals(List.of(30L, 20L, 10L), amounts(after, w.ref(0)), "each applied once");
  }

  /**
   * {@code close()} on an interrupted thread while calls are queued behind a batch in progress: it does not wait, and
   * the storage is closed under them. No call hangs: each gets its result or the closed storage's
   * IllegalStateException, and none applied twice.
   */
  @Test
  void anInterruptedCloseWhileCallsAreQueuedLeavesNoCallHanging() throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    ExecutorService pool = threads(5);
    GroupCommitProbe.Gate gate = e.probe().holdNextTransaction();
    Future<Object> plug = pool.submit(() -> thrown(() -> scope.points().award(w.ref(1),
        PointsChange.of(1, "plug"))).call());
    gate.awaitHeld();
    List<Future<Object>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long amount = 10L * (i + 1);
      queued.add(GroupCommitProbe.submitQueued(pool,
          thrown(() -> scope.points().award(w.ref(0), PointsChange.of(amount, "purchase")))));
    }
    pool.submit(() -> {
      Thread.currentThread().interrupt();
      e.engine().close();
      return null;
    }).get(2, TimeUnit.MINUTES);
    gate.release();

    List<Object> got = new ArrayList<>();
    got.add(plug.get(2, TimeUnit.MINUTES));
    for (Future<Object> f : queued) {
      got.add(f.get(2, TimeUnit.MINUTES));
    }
    long expected = 0;
    for (int i = 0; i < got.size(); i++) {
      if (got.get(i) instanceof Throwable t) {
        assertInstanceOf(IllegalStateException.class, t, "caller " + i);
      } else if (i > 0) {
        expected += 10L * i;
      }
    }
    TenantScope after = unprobedEngine(COMBINING).forTenant(w.tenantId);
    assertEquals(expected, balance(after, w.ref(0)), "what the callers were told applied, once: " + got);
  }

  /** {@code call}, returning its result or what it threw, with whether the thread then had its interrupt. */
  @Test
  void aLeaderInterruptedWhileItRunsABatchThatThenRollsBackAnswersEveryCallerAndTheStoreStaysUsable()
      throws Exception {
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    // While the batch runs in one go, its leader is interrupted (a host cancelling its request) and the store then
    // refuses a row, once: the batch's transaction rolls back, on the leader's thread, and runs the careful way.
    java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
    e.probe().poisonEntries(entry -> {
      if ("interrupt-here".equals(entry.idempotencyKey()) && once.compareAndSet(false, true)) {
        Thread.currentThread().interrupt();
        return true;
      }
      return false;
    }, () -> new StorageException("injected: a row refused", null));
    List<Object> got = batch(e, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        withInterrupt(() -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase"))),
        withInterrupt(() -> scope.points().award(w.ref(0),
            PointsChange.of(20, "purchase").withIdempotencyKey("interrupt-here"))),
        withInterrupt(() -> scope.points().award(w.ref(0), PointsChange.of(30, "purchase")))));

    int interrupted = 0;
    for (int i = 1; i < got.size(); i++) {
      Object[] answer = (Object[]) got.get(i);
      assertFalse(answer[0] instanceof Throwable, "caller " + i + " got " + answer[0]);
      interrupted += (Boolean) answer[1] ? 1 : 0;
    }
    assertEquals(1, interrupted, "the leader, and only it, returns with its interrupt");
    assertEquals(List.of(30L, 20L, 10L), amounts(scope, w.ref(0)), "each applied once");
    assertEquals(61, scope.points().award(w.ref(0), PointsChange.of(1, "purchase")).balance(), "the store works");
  }

  private static Callable<Object> withInterrupt(Callable<Object> call) {
    return () -> {
      Object got;
      try {
        got = call.call();
      } catch (LoyaltyException e) {
        got = e;
      }
      return new Object[] {got, Thread.interrupted()};
    };
  }

  /** {@code call}, returning its result or whatever it threw. */
  private static Callable<Object> thrown(Callable<Object> call) {
    return () -> {
      try {
        return call.call();
      } catch (Exception | Error e) {
        return e;
      }
    };
  }

  // ==================================================================== host transactions

  @Test
  void operationsJoiningAHostTransactionAreNeverCombined() throws Exception {
    assumeTrue(fixture.hostTransactions().isPresent(), "the backend cannot join host transactions");
    Engine e = engine(COMBINING);
    World w = new World(e.engine(), 1);
    StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    long orders = hosts.countHostOrders(); // creates the host's table before the threads race to
    e.probe().clear();
    int threads = 4;
    int each = 10;
    ExecutorService pool = threads(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < each; i++) {
          try (HostTx host = hosts.begin()) {
            host.insertHostOrder("order-" + me + "-" + i);
            e.engine().forTenant(w.tenantId).joining(host.transaction()).points()
                .award(w.ref(0), PointsChange.of(1, "purchase"));
            host.commit();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(2, TimeUnit.MINUTES);
    }
    assertEquals(orders + threads * each, hosts.countHostOrders());
    assertEquals(threads * each, e.probe().hostTransactions());
    assertEquals(List.of(), e.probe().transactions(), "no transaction of the engine's own took part");
    assertEquals(threads * each, balance(e.scope(w), w.ref(0)));
  }

  // ==================================================================== helpers

  /**
   * Runs {@code plug} and holds its transaction; starts each caller in turn, waiting until it queued behind the
   * plug before starting the next; then lets the plug go. The callers form the next batch, in this order. Returns
   * what each got (a result, or the {@link LoyaltyException} thrown), the plug first.
   */
  final List<Object> batch(Engine e, Callable<Object> plug, List<Callable<Object>> callers) throws Exception {
    return batch(e, List.of(plug), () -> { }, callers);
  }

  /**
   * Runs each plug in turn and holds its transaction (one per batch that may run at a time), runs {@code whileHeld},
   * starts each caller in turn, waiting until it queued before starting the next, then lets the first plug go: the
   * callers form the next batch, in this order. The other plugs go once the callers are answered. Returns what each
   * got (a result, or the {@link LoyaltyException} thrown), the plugs first.
   */
  private List<Object> batch(Engine e, List<Callable<Object>> plugs, Runnable whileHeld,
      List<Callable<Object>> callers) throws Exception {
    ExecutorService pool = threads(plugs.size() + callers.size());
    List<GroupCommitProbe.Gate> gates = new ArrayList<>();
    List<Future<Object>> held = new ArrayList<>();
    for (Callable<Object> plug : plugs) {
      GroupCommitProbe.Gate gate = e.probe().holdNextTransaction();
      held.add(pool.submit(answer(plug)));
      gate.awaitHeld();
      gates.add(gate);
    }
    whileHeld.run();
    e.probe().clear();
    List<Future<Object>> queued = new ArrayList<>();
    for (Callable<Object> caller : callers) {
      queued.add(GroupCommitProbe.submitQueued(pool, answer(caller)));
    }
    gates.get(0).release();
    List<Object> answers = new ArrayList<>();
    for (Future<Object> f : queued) {
      answers.add(f.get(2, TimeUnit.MINUTES));
    }
    gates.forEach(GroupCommitProbe.Gate::release);
    List<Object> got = new ArrayList<>();
    for (Future<Object> f : held) {
      got.add(f.get(2, TimeUnit.MINUTES));
    }
    got.addAll(answers);
    return got;
  }

  /**
   * 10 and 20 points (keyed {@code k-20}) to participant 0 and 1 point from participant 1: a batch run in one go;
   * {@code andAnAction}, also an action of participant 1 toward a points reward, which puts the batch behind
   * savepoints.
   */
  private static List<Callable<Object>> awardsAndADeduction(TenantScope scope, World w, boolean andAnAction) {
    List<Callable<Object>> callers = new ArrayList<>(List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("k-20")),
        () -> scope.points().deduct(w.ref(1), PointsChange.of(1, "redemption"))));
    if (andAnAction) {
      CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
      callers.add(() -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id())));
    }
    return callers;
  }

  /** One transaction of the probe held exactly that many nested units that returned and threw, and committed. */
  static void assertSharedTransaction(GroupCommitProbe probe, int returned, int threw) {
    List<GroupCommitProbe.Tx> txs = probe.transactions();
    assertTrue(txs.contains(new GroupCommitProbe.Tx(returned, threw, 0, true)),
        "a committed transaction with " + returned + " units kept and " + threw + " undone: " + txs);
  }

  /** One transaction of the probe ran that many single calls together (entries appended, no savepoint), committed. */
  static void assertRunTogether(GroupCommitProbe probe, int entries) {
    List<GroupCommitProbe.Tx> txs = probe.transactions();
    assertTrue(txs.contains(new GroupCommitProbe.Tx(0, 0, entries, true)),
        "a committed transaction with " + entries + " entries appended together: " + txs);
  }

  /** The ids of the entries the calls at {@code positions} got, in that order. */
  static List<Long> entryIds(List<Object> got, int... positions) {
    List<Long> ids = new ArrayList<>();
    for (int i : positions) {
      ids.add(result(got.get(i)).entry().id());
    }
    return ids;
  }

  static void assertAscending(List<Long> ids, String what) {
    List<Long> sorted = new ArrayList<>(ids);
    Collections.sort(sorted);
    assertEquals(sorted, ids, what);
  }

  static PointsResult result(Object got) {
    return assertInstanceOf(PointsResult.class, got, () -> "expected a result but got " + got);
  }

  static void assertCode(ErrorCode code, String field, Object got, String what) {
    LoyaltyException e = assertInstanceOf(LoyaltyException.class, got, () -> what + ": expected " + code
        + " but got " + got);
    assertEquals(code, e.code(), what);
    if (field != null) {
      assertEquals(field, e.field().orElse(null), what);
    }
  }

  static long balance(TenantScope scope, ParticipantRef ref) {
    return scope.participants().get(ref).pointsBalance();
  }

  /** A participant's whole ledger, newest first. */
  static List<LedgerEntry> ledger(TenantScope scope, ParticipantRef ref) {
    List<LedgerEntry> entries = new ArrayList<>();
    CursorPage<LedgerEntry> page = scope.points().history(ref, Keyset.first(Keyset.MAX_LIMIT));
    entries.addAll(page.items());
    while (page.hasMore()) {
      page = scope.points().history(ref, Keyset.after(page.nextId(), Keyset.MAX_LIMIT));
      entries.addAll(page.items());
    }
    return entries;
  }

  /** The signed amounts of a participant's whole ledger, newest first. */
  static List<Long> amounts(TenantScope scope, ParticipantRef ref) {
    return ledger(scope, ref).stream().map(LedgerEntry::signedAmount).toList();
  }

  /** A whole board, page by page. */
  static List<BoardEntry> board(TenantScope scope, World w, BoardPeriod period, BoardMetric metric,
      Consistency consistency) {
    List<BoardEntry> rows = new ArrayList<>();
    BoardRequest request = BoardRequest.of(w.campaignId, period).by(metric).limit(100).read(consistency);
    while (true) {
      CursorPage<BoardEntry> page = scope.leaderboards().page(request);
      rows.addAll(page.items());
      if (!page.hasMore()) {
        return rows;
      }
      request = request.after(page.nextId());
    }
  }

  /** The INDEX and STRONG boards of {@code metric}, all time and this month, are the same. */
  static void assertBoardsAgree(TenantScope scope, World w, BoardMetric metric) {
    for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
      assertEquals(board(scope, w, period, metric, Consistency.STRONG),
          board(scope, w, period, metric, Consistency.INDEX), metric + " " + period + ": the index as storage");
    }
  }
}
