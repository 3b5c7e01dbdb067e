package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.GroupCommitTestBase.UNKNOWN;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.amounts;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.assertCode;
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
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.Points;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import io.loyaltyengine.testkit.model.ModelRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bulk API ({@link Points#applyAll}) through the engine, on one backend per subclass: one outcome per operation
 * at its index, in order, exactly as the single call would answer; a malformed list (null, a null element, more than
 * {@value Points#MAX_BULK_OPERATIONS}) refused whole, changing nothing; a chunk (1,000 operations per transaction)
 * with a failure in its middle keeping its other operations; a rerun of a keyed list changing nothing; a bulk
 * request running beside concurrent single calls on the same participants; and inside a host's transaction,
 * nothing left once the host rolls back.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class BulkPointsTestBase {
  /** Operations per transaction of {@code applyAll}, as {@code PointsService} has it. */
  private static final int CHUNK = 1_000;

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

  private LoyaltyEngine engine() {
    return engines.build(engines.builder(fixture.openStorage(), 0));
  }

  /** An engine with the default group commit over the fixture's storage wrapped in a probe of its transactions. */
  private GroupCommitTestBase.Engine probedEngine() {
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage());
    return new GroupCommitTestBase.Engine(engines.build(engines.builder(probe, 0)), probe);
  }

  @Test
  void everyOperationGetsTheOutcomeOfItsSingleCallAtItsIndex() {
    LoyaltyEngine engine = engine();
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(1), PointsChange.of(10, "welcome"));
    ParticipantRef byEmail = ParticipantRef.email(w.campaignId, "P0@Example.com");
    List<PointsOperation> ops = List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(5, "purchase")),
        PointsOperation.deduct(w.ref(0), PointsChange.of(10, "redemption")),
        PointsOperation.award(ParticipantRef.id(UNKNOWN), PointsChange.of(5, "purchase")),
        PointsOperation.award(w.ref(0), PointsChange.of(0, "purchase")),
        PointsOperation.deductUpToBalance(w.ref(1), PointsChange.of(100, "refund")),
        PointsOperation.award(w.ref(1), PointsChange.of(3, "purchase").withIdempotencyKey("k1")),
        PointsOperation.award(w.ref(0), PointsChange.of(3, "not a type!")),
        PointsOperation.award(w.ref(1), PointsChange.of(3, "purchase").withIdempotencyKey("k1")),
        PointsOperation.deduct(w.ref(1), PointsChange.of(3, "purchase").withIdempotencyKey("k1")),
        PointsOperation.award(byEmail, PointsChange.of(1, "purchase")),
        PointsOperation.deductUpToBalance(w.ref(0), PointsChange.of(100, "refund").withIdempotencyKey("c1")),
        PointsOperation.deductUpToBalance(w.ref(0), PointsChange.of(5, "refund").withIdempotencyKey("c2")),
        PointsOperation.award(ParticipantRef.email(w.campaignId, "not an email"), PointsChange.of(1, "x")),
        PointsOperation.deductUpToBalance(w.ref(0), PointsChange.of(100, "refund").withIdempotencyKey("c1")));

    List<PointsOutcome> out = scope.points().applyAll(ops);

    assertEquals(ops.size(), out.size());
    assertEquals(5, ok(out, 0).balance());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", out.get(1).error(), "1");
    assertCode(ErrorCode.NOT_FOUND, null, out.get(2).error(), "2");
    assertCode(ErrorCode.VALIDATION_ERROR, "amount", out.get(3).error(), "3");
    assertEquals(10, ok(out, 4).entry().amount());
    assertEquals(0, ok(out, 4).balance());
    assertEquals(3, ok(out, 5).balance());
    assertCode(ErrorCode.VALIDATION_ERROR, "type", out.get(6).error(), "6");
    assertTrue(ok(out, 7).replayed());
    assertEquals(ok(out, 5).entry(), ok(out, 7).entry());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(8).error(), "8");
    assertEquals(6, ok(out, 9).balance(), "by email, sanitized");
    assertEquals(6, ok(out, 10).entry().amount());
    assertNull(ok(out, 11).entry(), "nothing left to take");
    assertEquals(0, ok(out, 11).balance());
    assertEquals(ErrorCode.VALIDATION_ERROR, out.get(12).error().code());
    assertTrue(ok(out, 13).replayed());
    assertEquals(ok(out, 10).entry(), ok(out, 13).entry());
    for (PointsOutcome outcome : out) {
      assertTrue(outcome.succeeded() == (outcome.error() == null));
    }
    assertEquals(List.of(-6L, 1L, 5L), amounts(scope, w.ref(0)));
    assertEquals(List.of(3L, -10L, 10L), amounts(scope, w.ref(1)));

    // The same requests one at a time answer the same (on a fresh pair of participants).
    World again = new World(engine, 2);
    TenantScope other = engine.forTenant(again.tenantId);
    other.points().award(again.ref(1), PointsChange.of(10, "welcome"));
    for (int i = 0; i < ops.size(); i++) {
      PointsOperation op = ops.get(i);
      ParticipantRef ref = op.participant().equals(w.ref(0)) ? again.ref(0)
          : op.participant().equals(w.ref(1)) ? again.ref(1)
          : op.participant().equals(byEmail) ? ParticipantRef.email(again.campaignId, "P0@Example.com")
          : op.participant();
      Object single;
      try {
        single = switch (op.kind()) {
          case AWARD -> other.points().award(ref, op.change());
          case DEDUCT -> other.points().deduct(ref, op.change());
          case DEDUCT_UP_TO_BALANCE -> other.points().deductUpToBalance(ref, op.change());
        };
      } catch (LoyaltyException e) {
        single = e;
      }
      PointsOutcome bulk = out.get(i);
      if (single instanceof LoyaltyException e) {
        assertFalse(bulk.succeeded(), "operation " + i);
        assertEquals(e.code(), bulk.error().code(), "operation " + i);
        assertEquals(e.field(), bulk.error().field(), "operation " + i);
      } else {
        PointsResult r = (PointsResult) single;
        assertTrue(bulk.succeeded(), "operation " + i);
        assertEquals(r.balance(), bulk.result().balance(), "operation " + i);
        assertEquals(r.replayed(), bulk.result().replayed(), "operation " + i);
        assertEquals(r.entry() == null, bulk.result().entry() == null, "operation " + i);
      }
    }
  }

  @Test
  void aMalformedListIsRefusedWholeAndChangesNothing() {
    LoyaltyEngine engine = engine();
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    PointsOperation award = PointsOperation.award(w.ref(0), PointsChange.of(5, "purchase"));

    assertRefused(() -> scope.points().applyAll(null));
    assertRefused(() -> scope.points().applyAll(Arrays.asList(award, null, award)));
    assertRefused(() -> scope.points().applyAll(Arrays.asList(award, award, null)));
    assertRefused(() -> scope.points().applyAll(Collections.nCopies(Points.MAX_BULK_OPERATIONS + 1, award)));
    assertEquals(0, balance(scope, w.ref(0)));
    assertEquals(List.of(), ledger(scope, w.ref(0)));

    assertEquals(List.of(), scope.points().applyAll(List.of()));
    // Exactly the most is taken: invalid amounts, so that nothing reaches the store and the test stays fast.
    PointsOperation invalid = PointsOperation.award(w.ref(0), PointsChange.of(0, "purchase"));
    List<PointsOutcome> most = scope.points().applyAll(Collections.nCopies(Points.MAX_BULK_OPERATIONS, invalid));
    assertEquals(Points.MAX_BULK_OPERATIONS, most.size());
    assertTrue(most.stream().allMatch(o -> o.error() != null && o.error().field().equals(java.util.Optional.of(
        "amount"))));
    assertEquals(List.of(), ledger(scope, w.ref(0)));
  }

  private static void assertRefused(org.junit.jupiter.api.function.Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("operations", e.field().orElse(null));
  }

  @Test
  void aChunkWithRefusalsInItsMiddleKeepsItsOtherOperationsAndThoseOfTheChunkBefore() {
    GroupCommitTestBase.Engine e = probedEngine();
    World w = new World(e.engine(), 3);
    TenantScope scope = e.scope(w);
    int size = CHUNK + 200;
    List<PointsOperation> ops = new ArrayList<>();
    long[] expected = new long[3];
    // The first chunk runs whole; the second has refusals in its middle (an overdraft, an unknown participant by id
    // and by email, a key the first chunk committed, reused with other parameters): they change nothing and the
    // chunk still runs in one go, without savepoints, keeping the rest.
    Set<Integer> failing = Set.of(CHUNK + 100, CHUNK + 101, CHUNK + 102, CHUNK + 150);
    for (int i = 0; i < size; i++) {
      int p = i % 3;
      if (i == CHUNK + 100) {
        ops.add(PointsOperation.deduct(w.ref(p), PointsChange.of(1_000_000, "redemption")));
      } else if (i == CHUNK + 101) {
        ops.add(PointsOperation.award(ParticipantRef.id(UNKNOWN), PointsChange.of(1, "purchase")));
      } else if (i == CHUNK + 102) {
        ops.add(PointsOperation.award(ParticipantRef.email(w.campaignId, "nobody@example.com"),
            PointsChange.of(1, "purchase")));
      } else if (i == CHUNK + 150) {
        ops.add(PointsOperation.award(w.ref(p), PointsChange.of(2, "bonus").withIdempotencyKey("b-0")));
      } else {
        long amount = 1 + i % 5;
        ops.add(PointsOperation.award(w.ref(p), PointsChange.of(amount, "purchase").withIdempotencyKey("b-" + i)));
        expected[p] += amount;
      }
    }

    e.probe().clear();
    List<PointsOutcome> out = scope.points().applyAll(ops);

    assertEquals(List.of(new GroupCommitProbe.Tx(0, 0, CHUNK, true), new GroupCommitProbe.Tx(0, 0, 196, true)),
        e.probe().transactions(), "two chunks, each in one go, no savepoint");
    assertEquals(size, out.size());
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", out.get(CHUNK + 100).error(), "the overdraft");
    assertCode(ErrorCode.NOT_FOUND, null, out.get(CHUNK + 101).error(), "the unknown participant");
    assertCode(ErrorCode.NOT_FOUND, null, out.get(CHUNK + 102).error(), "the unknown email");
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(CHUNK + 150).error(), "b-0 reused");
    Map<Long, Long> lastId = new HashMap<>();
    for (int i = 0; i < size; i++) {
      if (failing.contains(i)) {
        continue;
      }
      PointsResult r = ok(out, i);
      assertEquals("b-" + i, r.entry().idempotencyKey());
      assertFalse(r.replayed());
      Long previous = lastId.put(r.entry().participantId(), r.entry().id());
      assertTrue(previous == null || previous < r.entry().id(), "one participant's entries in list order");
    }
    for (int p = 0; p < 3; p++) {
      assertEquals(expected[p], balance(scope, w.ref(p)));
      assertEquals(expected[p], amounts(scope, w.ref(p)).stream().mapToLong(Long::longValue).sum());
      assertEquals(expected[p], ledger(scope, w.ref(p)).get(0).balanceAfter());
    }
  }

  @Test
  void aChunkInWhichNoOperationChangesAnythingIsRolledBackAndEachGetsItsOutcome() {
    GroupCommitTestBase.Engine e = probedEngine();
    World w = new World(e.engine(), 2);
    TenantScope scope = e.scope(w);
    PointsChange paid = PointsChange.of(5, "purchase").withIdempotencyKey("paid");
    PointsResult first = scope.points().award(w.ref(0), paid);
    List<PointsOperation> ops = List.of(
        PointsOperation.award(w.ref(0), paid),
        PointsOperation.award(ParticipantRef.id(UNKNOWN), PointsChange.of(1, "purchase")),
        PointsOperation.deduct(w.ref(1), PointsChange.of(1, "redemption")),
        PointsOperation.deductUpToBalance(w.ref(1), PointsChange.of(4, "refund")),
        PointsOperation.award(w.ref(1), PointsChange.of(0, "purchase")));

    e.probe().clear();
    List<PointsOutcome> out = scope.points().applyAll(ops);

    assertEquals(List.of(new GroupCommitProbe.Tx(0, 0, 0, false)), e.probe().transactions(),
        "one transaction, rolled back, and the chunk not run again");
    assertTrue(ok(out, 0).replayed());
    assertEquals(first.entry(), ok(out, 0).entry());
    assertCode(ErrorCode.NOT_FOUND, null, out.get(1).error(), "the unknown participant");
    assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", out.get(2).error(), "1 of 0");
    assertNull(ok(out, 3).entry(), "nothing to take");
    assertEquals(ErrorCode.VALIDATION_ERROR, out.get(4).error().code(), "a malformed operation, never in a chunk");
    assertEquals(List.of(5L), amounts(scope, w.ref(0)));
    assertEquals(List.of(), amounts(scope, w.ref(1)));
  }

  @Test
  void aStoreFailureOfOneOperationFailsThatOperationAlone() {
    GroupCommitTestBase.Engine e = probedEngine();
    World w = new World(e.engine(), 3);
    TenantScope scope = e.scope(w);
    long refused = w.participants.get(1);
    // The store refuses every event of participant 1 (a plain storage failure, as a constraint or a trigger of
    // the host's would be): the single call of that operation fails with STORAGE_UNAVAILABLE, changing nothing.
    e.probe().poisonEvents(event -> java.util.Objects.equals(event.participantId(), refused));
    LoyaltyException single = assertThrows(LoyaltyException.class,
        () -> scope.points().award(w.ref(1), PointsChange.of(5, "purchase")));
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, single.code());

    List<PointsOutcome> out = scope.points().applyAll(List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(5, "purchase")),
        PointsOperation.award(w.ref(1), PointsChange.of(5, "purchase")),
        PointsOperation.award(w.ref(2), PointsChange.of(5, "purchase"))));

    assertEquals(5, ok(out, 0).balance());
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, null, out.get(1).error(), "the operation the store refused");
    assertEquals(5, ok(out, 2).balance());
    assertEquals(0, balance(scope, w.ref(1)));
  }

  @Test
  void rerunningAKeyedListChangesNothing() {
    LoyaltyEngine engine = engine();
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    List<PointsOperation> ops = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      ParticipantRef ref = w.ref(i % 2);
      String key = "order-" + i;
      ops.add(i % 10 == 9
          ? PointsOperation.deductUpToBalance(ref, PointsChange.of(7, "refund").withIdempotencyKey(key))
          : i % 5 == 3 ? PointsOperation.deduct(ref, PointsChange.of(4, "redemption").withIdempotencyKey(key))
          : PointsOperation.award(ref, PointsChange.of(5, "purchase").withIdempotencyKey(key)));
    }
    ops.add(PointsOperation.award(ParticipantRef.id(UNKNOWN), PointsChange.of(3, "purchase")
        .withIdempotencyKey("nobody")));
    ops.add(PointsOperation.award(w.ref(0), PointsChange.of(-3, "purchase")));

    List<PointsOutcome> first = scope.points().applyAll(ops);
    List<List<LedgerEntry>> before = List.of(ledger(scope, w.ref(0)), ledger(scope, w.ref(1)));
    List<PointsOutcome> again = scope.points().applyAll(ops);

    assertEquals(before, List.of(ledger(scope, w.ref(0)), ledger(scope, w.ref(1))), "nothing changed");
    for (int i = 0; i < ops.size(); i++) {
      PointsOutcome a = first.get(i);
      PointsOutcome b = again.get(i);
      if (a.succeeded()) {
        assertNotNull(a.result().entry(), "every deduction had points to take");
        assertFalse(a.result().replayed());
        assertTrue(b.result().replayed(), "operation " + i);
        assertEquals(a.result().entry(), b.result().entry(), "operation " + i);
        assertEquals(a.result().balance(), b.result().balance(), "the balance right after the first time");
      } else {
        assertEquals(a.error().code(), b.error().code(), "operation " + i);
      }
    }
    assertEquals(ErrorCode.NOT_FOUND, again.get(150).error().code());
    assertEquals(ErrorCode.VALIDATION_ERROR, again.get(151).error().code());
  }

  @Test
  void aDeductionAndACappedDeductionWithOneKeyAreDifferentRequestsInOneChunkAndAcrossCalls() {
    LoyaltyEngine engine = engine();
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(200, "purchase"));
    scope.points().award(w.ref(1), PointsChange.of(30, "purchase"));
    PointsChange redeem = PointsChange.of(50, "redemption").withIdempotencyKey("redeem-1");
    PointsChange whole = PointsChange.of(10, "refund").withIdempotencyKey("refund-whole");
    PointsChange refund = PointsChange.of(120, "refund").withIdempotencyKey("refund-capped");
    PointsChange tookOfRefund = new PointsChange(30, "refund", null, "refund-capped");
    List<PointsOperation> ops = List.of(
        PointsOperation.deduct(w.ref(0), redeem),
        PointsOperation.deductUpToBalance(w.ref(0), redeem),
        PointsOperation.deductUpToBalance(w.ref(0), whole),
        PointsOperation.deduct(w.ref(0), whole),
        PointsOperation.deductUpToBalance(w.ref(1), refund),
        PointsOperation.deduct(w.ref(1), tookOfRefund),
        PointsOperation.deductUpToBalance(w.ref(1), tookOfRefund),
        PointsOperation.deductUpToBalance(w.ref(1), refund));

    List<PointsOutcome> out = scope.points().applyAll(ops);

    assertFalse(ok(out, 0).replayed());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(1).error(), "capped, with a plain deduction's key");
    assertEquals(10, ok(out, 2).entry().amount());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(3).error(),
        "plain, with the key of a capped one that took all it asked");
    assertEquals(30, ok(out, 4).entry().amount());
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(5).error(), "plain, of what a capped one took");
    assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(6).error(), "capped, asking what the first took");
    assertTrue(ok(out, 7).replayed());
    assertEquals(ok(out, 4).entry(), ok(out, 7).entry());

    // Again, each matched against the entry stored by the call before.
    scope.points().award(w.ref(1), PointsChange.of(500, "purchase"));
    List<PointsOutcome> again = scope.points().applyAll(ops);
    for (int i : new int[] {1, 3, 5, 6}) {
      assertCode(ErrorCode.CONFLICT, "idempotencyKey", again.get(i).error(), "operation " + i + " again");
    }
    for (int i : new int[] {0, 2, 4, 7}) {
      PointsResult first = ok(out, i == 7 ? 4 : i);
      assertEquals(new PointsResult(first.entry(), first.balance(), true), ok(again, i), "operation " + i);
    }
    assertEquals(140, balance(scope, w.ref(0)));
    assertEquals(500, balance(scope, w.ref(1)));
  }

  @Test
  void aBulkRequestBesideConcurrentSingleCallsOnTheSameParticipantsLosesNothing() throws Exception {
    long seed = ModelRunner.seeds(System.nanoTime())[0];
    System.out.println(getClass().getSimpleName() + " bulk beside single calls: seed " + seed);
    LoyaltyEngine engine = engine();
    World w = new World(engine, 3);
    TenantScope scope = engine.forTenant(w.tenantId);
    int bulkSize = 1_500;
    List<PointsOperation> bulk = new ArrayList<>();
    for (int i = 0; i < bulkSize; i++) {
      bulk.add(PointsOperation.award(w.ref(i % 3), PointsChange.of(1 + i % 4, "import")
          .withIdempotencyKey("import-" + i)));
    }
    int singles = 4;
    int calls = 40;
    ExecutorService pool = Executors.newFixedThreadPool(singles + 1);
    CountDownLatch start = new CountDownLatch(1);
    try {
      Future<List<PointsOutcome>> imported = pool.submit(() -> {
        start.await();
        return scope.points().applyAll(bulk);
      });
      List<Future<List<Object>>> others = new ArrayList<>();
      for (int t = 0; t < singles; t++) {
        Random random = new Random(seed + t);
        others.add(pool.submit(() -> {
          start.await();
          List<Object> got = new ArrayList<>();
          for (int i = 0; i < calls; i++) {
            ParticipantRef ref = w.ref(random.nextInt(3));
            long amount = 1 + random.nextInt(6);
            try {
              got.add(random.nextBoolean()
                  ? scope.points().award(ref, PointsChange.of(amount, "purchase"))
                  : random.nextBoolean()
                      ? scope.points().deduct(ref, PointsChange.of(amount, "redemption"))
                      : scope.points().deductUpToBalance(ref, PointsChange.of(amount, "refund")));
            } catch (LoyaltyException e) {
              assertEquals(ErrorCode.INSUFFICIENT_POINTS, e.code(), "seed " + seed);
              got.add(e);
            }
          }
          return got;
        }));
      }
      start.countDown();
      Set<Long> entries = new HashSet<>();
      List<PointsOutcome> out = imported.get(3, TimeUnit.MINUTES);
      Map<Long, Long> lastId = new HashMap<>();
      for (int i = 0; i < bulkSize; i++) {
        PointsResult r = ok(out, i);
        assertTrue(entries.add(r.entry().id()));
        Long previous = lastId.put(r.entry().participantId(), r.entry().id());
        assertTrue(previous == null || previous < r.entry().id(), "seed " + seed + ": the import in list order");
      }
      for (Future<List<Object>> f : others) {
        for (Object got : f.get(3, TimeUnit.MINUTES)) {
          if (got instanceof PointsResult r && r.entry() != null) {
            assertTrue(entries.add(r.entry().id()), "seed " + seed + ": one entry per call");
          }
        }
      }
      Set<Long> inLedger = new HashSet<>();
      for (int p = 0; p < 3; p++) {
        List<LedgerEntry> ledger = new ArrayList<>(ledger(scope, w.ref(p)));
        Collections.reverse(ledger);
        long balance = 0;
        for (LedgerEntry entry : ledger) {
          balance += entry.signedAmount();
          assertTrue(balance >= 0, "seed " + seed + ": never negative");
          assertEquals(balance, entry.balanceAfter(), "seed " + seed + ": the ledger in the order it applied");
          inLedger.add(entry.id());
        }
        assertEquals(balance, balance(scope, w.ref(p)), "seed " + seed);
      }
      assertEquals(entries, inLedger, "seed " + seed + ": no lost update, no extra entry");
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    }
  }

  @Test
  void insideAHostTransactionTheHostsRollbackLeavesNothing() {
    assumeTrue(fixture.hostTransactions().isPresent(), "the backend cannot join host transactions");
    LoyaltyEngine engine = engine();
    World w = new World(engine, 2);
    StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    long orders = hosts.countHostOrders();
    List<PointsOperation> ops = List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(5, "purchase").withIdempotencyKey("h-1")),
        PointsOperation.deduct(w.ref(0), PointsChange.of(100, "redemption")),
        PointsOperation.award(w.ref(1), PointsChange.of(3, "purchase")),
        PointsOperation.deductUpToBalance(w.ref(0), PointsChange.of(2, "refund")));
    try (HostTx host = hosts.begin()) {
      host.insertHostOrder("bulk-rolled-back");
      List<PointsOutcome> out = engine.forTenant(w.tenantId).joining(host.transaction()).points().applyAll(ops);
      assertEquals(5, ok(out, 0).balance());
      assertCode(ErrorCode.INSUFFICIENT_POINTS, "amount", out.get(1).error(), "inside the host's transaction");
      assertEquals(3, ok(out, 2).balance());
      assertEquals(3, ok(out, 3).balance());
      host.rollback();
    }
    TenantScope scope = engine.forTenant(w.tenantId);
    assertEquals(orders, hosts.countHostOrders());
    assertEquals(0, balance(scope, w.ref(0)));
    assertEquals(0, balance(scope, w.ref(1)));
    assertEquals(List.of(), ledger(scope, w.ref(0)));
    assertEquals(List.of(), ledger(scope, w.ref(1)));

    try (HostTx host = hosts.begin()) {
      host.insertHostOrder("bulk-committed");
      engine.forTenant(w.tenantId).joining(host.transaction()).points().applyAll(ops);
      host.commit();
    }
    assertEquals(orders + 1, hosts.countHostOrders());
    assertEquals(List.of(-2L, 5L), amounts(scope, w.ref(0)), "the failed deduction left nothing");
    assertEquals(3, balance(scope, w.ref(0)));
    assertEquals(3, balance(scope, w.ref(1)));
    assertTrue(scope.points().award(w.ref(0), PointsChange.of(5, "purchase").withIdempotencyKey("h-1"))
        .replayed(), "the host's commit kept the key");
  }

  private static PointsResult ok(List<PointsOutcome> out, int index) {
    PointsOutcome outcome = out.get(index);
    assertTrue(outcome.succeeded(), () -> "operation " + index + " failed: " + outcome.error());
    return outcome.result();
  }
}
