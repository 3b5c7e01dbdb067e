package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.GroupCommitTestBase.UNKNOWN;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.amounts;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.balance;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.ledger;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.model.ModelRunner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Points.deductUpToBalance} through the engine, on one backend per subclass (in-memory and H2; on
 * PostgreSQL the ledger model scenario and the two-engine group-commit test drive it): the whole amount when the
 * balance has it, else the whole balance; nothing written with a zero balance (no entry, no event, the key left
 * free); a retry with the key replaying the first result whatever the balance is now; bad input refused; the POINTS
 * board untouched; inside a host's transaction, undone by the host's rollback; and under a race of awards and
 * capped deductions from many threads (combined or not), a balance that never goes negative and always equals the
 * sum of the ledger.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CappedDeductTestBase {
  private StoreFixture fixture;
  private final TestEngines engines = new TestEngines();

  abstract StoreFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
  }

  @AfterEach
  final void close() {
    engines.close();
    fixture.close();
  }

  private LoyaltyEngine engine(int maxGroupCommit) {
    return engines.build(engines.builder(fixture.openStorage(), maxGroupCommit));
  }

  @Test
  void takesTheWholeAmountOrTheWholeBalanceAndWithNothingLeftWritesNothing() {
    LoyaltyEngine engine = engine(0);
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    ParticipantRef ann = w.ref(0);
    scope.points().award(ann, PointsChange.of(30, "purchase"));

    PointsResult part = scope.points().deductUpToBalance(ann, PointsChange.of(12, "refund").withDescription("r1"));
    assertEquals(12, part.entry().amount());
    assertEquals(LedgerEntryKind.DEDUCT, part.entry().kind());
    assertEquals("refund", part.entry().type());
    assertEquals("r1", part.entry().description());
    assertEquals(18, part.balance());
    assertEquals(18, part.entry().balanceAfter());
    assertFalse(part.replayed());

    PointsResult rest = scope.points().deductUpToBalance(ann, PointsChange.of(50, "refund"));
    assertEquals(18, rest.entry().amount(), "capped at the balance");
    assertEquals(50L, rest.entry().requestedAmount(), "the amount asked for, recorded beside what was taken");
    assertEquals(12L, part.entry().requestedAmount());
    assertEquals(0, rest.balance());

    PointsResult none = scope.points().deductUpToBalance(ann, PointsChange.of(50, "refund"));
    assertNull(none.entry());
    assertEquals(0, none.balance());
    assertFalse(none.replayed());

    assertEquals(List.of(-18L, -12L, 30L), amounts(scope, ann));
    assertEquals(30, scope.participants().get(ann).lifetimePoints(), "deductions never lower lifetime points");
    assertEquals(30, scope.leaderboards().standing(ann, BoardMetric.POINTS, Consistency.STRONG).score(),
        "nor the POINTS board");

    engine.events().dispatch();
    List<LoyaltyEvent> events = scope.changeFeed().read(0, EventFilter.all(), 100).events();
    List<LoyaltyEvent> deducted = events.stream().filter(e -> e.type() == EventType.POINTS_DEDUCTED).toList();
    assertEquals(2, deducted.size(), "one event per entry, none for the deduction that took nothing");
    assertTrue(deducted.get(1).payload().contains("\"amount\":18"), deducted.get(1).payload());
  }

  @Test
  void aRetryWithTheKeyReplaysTheFirstResultWhateverTheBalanceIsNowAndNothingTakenLeavesTheKeyFree() {
    LoyaltyEngine engine = engine(0);
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    ParticipantRef ann = w.ref(0);
    scope.points().award(ann, PointsChange.of(20, "purchase"));
    PointsChange refund = PointsChange.of(50, "refund").withIdempotencyKey("refund-7");

    PointsResult first = scope.points().deductUpToBalance(ann, refund);
    assertEquals(20, first.entry().amount());
    scope.points().award(ann, PointsChange.of(100, "purchase"));

    PointsResult again = scope.points().deductUpToBalance(ann, refund);
    assertTrue(again.replayed());
    assertEquals(first.entry(), again.entry());
    assertEquals(0, again.balance(), "the balance right after the first deduction");
    assertEquals(100, balance(scope, ann), "nothing more was taken");

    assertConflict(() -> scope.points().deductUpToBalance(ann, PointsChange.of(20, "refund")
        .withIdempotencyKey("refund-7")), "asking what was taken: the first asked 50");
    assertConflict(() -> scope.points().deductUpToBalance(ann, PointsChange.of(19, "refund")
        .withIdempotencyKey("refund-7")), "less than was taken");
    assertConflict(() -> scope.points().deductUpToBalance(ann, PointsChange.of(51, "refund")
        .withIdempotencyKey("refund-7")), "more than the first asked");
    assertConflict(() -> scope.points().deduct(ann, PointsChange.of(20, "refund").withIdempotencyKey("refund-7")),
        "a plain deduction of what was taken");
    assertConflict(() -> scope.points().deductUpToBalance(ann, PointsChange.of(50, "other")
        .withIdempotencyKey("refund-7")), "another type");
    assertConflict(() -> scope.points().deductUpToBalance(w.ref(1), refund), "another participant");
    assertConflict(() -> scope.points().award(ann, refund), "an award");
    scope.points().award(ann, PointsChange.of(5, "purchase").withIdempotencyKey("order-1"));
    assertConflict(() -> scope.points().deductUpToBalance(ann, PointsChange.of(5, "purchase")
        .withIdempotencyKey("order-1")), "a key an award used");
    assertEquals(105, balance(scope, ann));

    // A capped deduction that took nothing leaves its key free.
    ParticipantRef bob = w.ref(1);
    PointsChange empty = PointsChange.of(10, "refund").withIdempotencyKey("refund-8");
    assertNull(scope.points().deductUpToBalance(bob, empty).entry());
    assertNull(scope.points().deductUpToBalance(bob, empty).entry(), "still nothing to take");
    scope.points().award(bob, PointsChange.of(4, "purchase"));
    PointsResult later = scope.points().deductUpToBalance(bob, empty);
    assertEquals(4, later.entry().amount(), "the key was free: this time it takes what there is");
    assertFalse(later.replayed());
    assertTrue(scope.points().deductUpToBalance(bob, empty).replayed());
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    LoyaltyEngine engine = engine(0);
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    ParticipantRef ann = w.ref(0);
    scope.points().award(ann, PointsChange.of(10, "purchase"));
    for (long amount : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
      LoyaltyException e = assertThrows(LoyaltyException.class,
          () -> scope.points().deductUpToBalance(ann, PointsChange.of(amount, "refund")));
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals("amount", e.field().orElse(null));
    }
    LoyaltyException type = assertThrows(LoyaltyException.class,
        () -> scope.points().deductUpToBalance(ann, PointsChange.of(1, "")));
    assertEquals("type", type.field().orElse(null));
    LoyaltyException key = assertThrows(LoyaltyException.class,
        () -> scope.points().deductUpToBalance(ann, PointsChange.of(1, "refund").withIdempotencyKey("x".repeat(
            10_000))));
    assertEquals("idempotencyKey", key.field().orElse(null));
    LoyaltyException unknown = assertThrows(LoyaltyException.class,
        () -> scope.points().deductUpToBalance(ParticipantRef.id(UNKNOWN), PointsChange.of(1, "refund")));
    assertEquals(ErrorCode.NOT_FOUND, unknown.code());
    assertThrows(LoyaltyException.class, () -> scope.points().deductUpToBalance(null, PointsChange.of(1, "r")));
    assertThrows(LoyaltyException.class, () -> scope.points().deductUpToBalance(ann, null));
    assertEquals(10, balance(scope, ann));
    assertEquals(1, ledger(scope, ann).size());
  }

  @Test
  void insideAHostTransactionTheHostsRollbackUndoesIt() {
    assumeTrue(fixture.hostTransactions().isPresent(), "the backend cannot join host transactions");
    LoyaltyEngine engine = engine(0);
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(8, "purchase"));
    StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    try (HostTx host = hosts.begin()) {
      PointsResult r = scope.joining(host.transaction()).points().deductUpToBalance(w.ref(0),
          PointsChange.of(20, "refund").withIdempotencyKey("host-refund"));
      assertEquals(8, r.entry().amount());
      host.rollback();
    }
    assertEquals(8, balance(scope, w.ref(0)));
    assertEquals(1, ledger(scope, w.ref(0)).size());
    assertEquals(5, scope.points().deductUpToBalance(w.ref(0), PointsChange.of(5, "refund")
        .withIdempotencyKey("host-refund")).entry().amount(), "the rolled-back key is free");
  }

  @Test
  void aCappedDeductionThatWaitedForTheSameRequestTakingTheBalanceReplaysItsEntry() throws Exception {
    assumeTrue(fixture instanceof JdbcFixture && fixture.hostTransactions().isPresent(),
        "needs a host transaction holding the participant's lock while another transaction waits for it");
    LoyaltyEngine engine = engine(0);
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(2, "purchase"));
    PointsChange refund = PointsChange.of(69, "refund").withIdempotencyKey("refund-1");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      PointsResult first = scope.joining(host.transaction()).points().deductUpToBalance(w.ref(0), refund);
      assertEquals(2, first.entry().amount());
      // The same request again: its key lookup cannot see the uncommitted entry, so it waits for the lock, then
      // finds nothing left to take.
      Future<PointsResult> again = pool.submit(() -> scope.points().deductUpToBalance(w.ref(0), refund));
      JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture);
      host.commit();
      PointsResult replayed = again.get(60, TimeUnit.SECONDS);
      assertTrue(replayed.replayed(), "a replay of the first, not a second request taking nothing: " + replayed);
      assertEquals(first.entry(), replayed.entry());
      assertEquals(0, replayed.balance());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, ledger(scope, w.ref(0)).stream().filter(e -> e.kind() == LedgerEntryKind.DEDUCT).count());
  }

  @ParameterizedTest(name = "maxGroupCommit {0} (0: the default)")
  @ValueSource(ints = {0, 1})
  void aRaceOfAwardsAndCappedDeductionsNeverDrivesTheBalanceNegative(int maxGroupCommit) throws Exception {
    long seed = ModelRunner.seeds(System.nanoTime())[0];
    System.out.println(getClass().getSimpleName() + " race, maxGroupCommit " + maxGroupCommit + ": seed " + seed);
    LoyaltyEngine engine = engine(maxGroupCommit);
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    int threads = 8;
    int calls = 30;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<PointsResult>>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        Random random = new Random(seed + t);
        boolean awarding = t % 2 == 0;
        futures.add(pool.submit(() -> {
          start.await();
          List<PointsResult> got = new ArrayList<>();
          for (int i = 0; i < calls; i++) {
            ParticipantRef ref = w.ref(random.nextInt(2));
            long amount = 1 + random.nextInt(awarding ? 8 : 15);
            PointsResult r = awarding ? scope.points().award(ref, PointsChange.of(amount, "purchase"))
                : scope.points().deductUpToBalance(ref, PointsChange.of(amount, "refund"));
            if (!awarding && r.entry() != null) {
              assertTrue(r.entry().amount() <= amount, "seed " + seed + ": never more than asked");
              assertTrue(r.entry().amount() == amount || r.balance() == 0,
                  "seed " + seed + ": less than asked only by taking the whole balance");
            }
            got.add(r);
          }
          return got;
        }));
      }
      start.countDown();
      int empty = 0;
      int capped = 0;
      for (Future<List<PointsResult>> f : futures) {
        for (PointsResult r : f.get(3, TimeUnit.MINUTES)) {
          if (r.entry() == null) {
            assertEquals(0, r.balance(), "seed " + seed);
            empty++;
          } else if (r.entry().kind() == LedgerEntryKind.DEDUCT) {
            assertTrue(r.entry().amount() >= 1, "seed " + seed);
            assertTrue(r.balance() >= 0, "seed " + seed);
            capped += r.entry().balanceAfter() == 0 ? 1 : 0;
          }
        }
      }
      for (int p = 0; p < 2; p++) {
        List<LedgerEntry> oldestFirst = new ArrayList<>(ledger(scope, w.ref(p)));
        Collections.reverse(oldestFirst);
        long balance = 0;
        for (LedgerEntry entry : oldestFirst) {
          balance += entry.signedAmount();
          assertTrue(balance >= 0, "seed " + seed + ": never negative");
          assertEquals(balance, entry.balanceAfter(), "seed " + seed + ": entries in the order they applied");
          assertNotNull(entry.type());
        }
        assertEquals(balance, balance(scope, w.ref(p)), "seed " + seed + ": the balance is the sum of the ledger");
      }
      System.out.println(getClass().getSimpleName() + " race: " + capped + " deductions emptied a balance, "
          + empty + " found it empty");
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    }
  }

  private static void assertConflict(org.junit.jupiter.api.function.Executable call, String what) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call, what);
    assertEquals(ErrorCode.CONFLICT, e.code(), what);
    assertEquals("idempotencyKey", e.field().orElse(null), what);
  }
}
