package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * H2 deadlocks whose victim waits in, or closes the cycle with, a {@code SELECT ... FOR UPDATE} (the engine's
 * participant locks). H2 fails its victim, the younger transaction, with SQLState 40001, but unlike a victim failing
 * in an UPDATE it does not roll that transaction back: it keeps the victim's row locks until the victim's connection
 * rolls back (and a victim that was waiting can then only roll back: its next statement and its commit fail). The
 * engine's own transaction must be rolled back and run again, keeping no lock; a host's must see STORAGE_UNAVAILABLE,
 * after which a rollback releases its locks and its transaction runs again (JdbcHostTransaction's advice). Who is
 * older and who waits is fixed with both sides uncommitted, without timing.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DeadlockVictimH2Test extends HostTransactionTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }

  /**
   * A host awards participant 1 (the older transaction); the engine's bulk award of 0 and 1, in its own transaction,
   * locks 0 and waits for 1 in its one {@code FOR UPDATE}; the host then awards 0 and closes the cycle. H2 fails the
   * engine's transaction, whose lock of 0 the host then gets only if the engine rolled back; the engine runs it again
   * once the host commits.
   */
  @Test
  void anEngineTransactionH2FailsWhileItWaitsInAParticipantLockIsRolledBackAndRunAgain() throws Exception {
    TransientFailureLog log = new TransientFailureLog(fixture.openStorage());
    LoyaltyEngine engine = engines.build(engines.builder(log, 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Object hostAward;
    Object bulk;
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(host.transaction());
      hosted.points().award(w.ref(1), PointsChange.of(1, "host"));
      Future<Object> bulkCall = pool.submit(answer(() -> scope.points().applyAll(List.of(
          PointsOperation.award(w.ref(0), PointsChange.of(7, "import")),
          PointsOperation.award(w.ref(1), PointsChange.of(7, "import"))))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      hostAward = answer(() -> hosted.points().award(w.ref(0), PointsChange.of(2, "host"))).call();
      finish(host, hostAward);
      bulk = bulkCall.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertInstanceOf(PointsResult.class, hostAward, () -> "the host's award: " + hostAward);
    List<?> outcomes = assertInstanceOf(List.class, bulk, () -> "the bulk call: " + bulk);
    assertTrue(outcomes.stream().allMatch(o -> ((PointsOutcome) o).succeeded()), outcomes::toString);
    assertFalse(log.deadlocks().isEmpty(), "H2 failed the engine's transaction as the deadlock's victim");
    assertBalanceIsTheLedger(scope, w.ref(0), 9);
    assertBalanceIsTheLedger(scope, w.ref(1), 8);
  }

  /**
   * As above with the bulk call in a second host transaction, the younger: it gets STORAGE_UNAVAILABLE, its host
   * rolls back (on the call's thread, as a host would), after which the first host's award goes through; run again
   * once the first host has its awards, it waits for the first host's commit and applies. (Run again at once, it could
   * lock participant 0 before the first host's waiting award, and deadlock again.)
   */
  @Test
  void aHostTransactionH2FailsWhileItWaitsInAParticipantLockRunsAgainAfterARollback() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    List<PointsOperation> operations = List.of(PointsOperation.award(w.ref(0), PointsChange.of(7, "import")),
        PointsOperation.award(w.ref(1), PointsChange.of(7, "import")));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Object hostAward;
    Object[] bulk = new Object[2];
    CountDownLatch firstAwarded = new CountDownLatch(1);
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      hosted.points().award(w.ref(1), PointsChange.of(1, "host"));
      Future<?> secondHost = pool.submit(() -> {
        bulk[0] = answer(() -> scope.joining(second.transaction()).points().applyAll(operations)).call();
        finish(second, bulk[0]);
        // Again, in a new transaction: it waits for the first host's locks of participants 0 and 1.
        assertTrue(firstAwarded.await(60, TimeUnit.SECONDS), "the first host's award of participant 0 ended");
        bulk[1] = answer(() -> scope.joining(second.transaction()).points().applyAll(operations)).call();
        finish(second, bulk[1]);
        return null;
      });
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      hostAward = answer(() -> hosted.points().award(w.ref(0), PointsChange.of(2, "host"))).call();
      firstAwarded.countDown();
      finish(first, hostAward);
      secondHost.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    LoyaltyException victim = assertInstanceOf(LoyaltyException.class, bulk[0], () -> "the first run: " + bulk[0]);
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, victim.code(), victim.toString());
    assertInstanceOf(PointsResult.class, hostAward, () -> "the first host's award: " + hostAward);
    List<?> outcomes = assertInstanceOf(List.class, bulk[1], () -> "the run again: " + bulk[1]);
    assertTrue(outcomes.stream().allMatch(o -> ((PointsOutcome) o).succeeded()), outcomes::toString);
    assertBalanceIsTheLedger(scope, w.ref(0), 9);
    assertBalanceIsTheLedger(scope, w.ref(1), 8);
  }

  /**
   * The younger host transaction closes the cycle: it awards participant 0, the older host waits for 0, and the
   * younger's award of 1, which the older holds, fails with STORAGE_UNAVAILABLE. H2 kept the younger transaction and
   * its lock of 0 (the older still waits) until the younger rolls back; its own award of 0 is then gone, and the older
   * host's goes through.
   */
  @Test
  void aHostTransactionThatClosesTheCycleInAParticipantLockHoldsItsLocksUntilItRollsBack() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Object closing;
    Object waited;
    try (HostTx older = fixture.hostTransactions().orElseThrow().begin();
        HostTx younger = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope first = scope.joining(older.transaction());
      TenantScope second = scope.joining(younger.transaction());
      first.points().award(w.ref(1), PointsChange.of(1, "older"));
      second.points().award(w.ref(0), PointsChange.of(5, "younger"));
      Future<Object> waiting = pool.submit(answer(() -> first.points().award(w.ref(0), PointsChange.of(2, "older"))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      closing = answer(() -> second.points().award(w.ref(1), PointsChange.of(3, "younger"))).call();
      // The older still waits for the younger's lock of participant 0. (H2 also lists the younger session as blocked,
      // by the older, though it waits for nothing now: a count of blocked sessions would say 2.)
      JdbcLockWaits.awaitASessionBlockedBy(fixture, ((JdbcHostTransaction) younger.transaction()).connection());
      finish(younger, closing);
      waited = waiting.get(60, TimeUnit.SECONDS);
      finish(older, waited);
    } finally {
      pool.shutdownNow();
    }
    LoyaltyException victim = assertInstanceOf(LoyaltyException.class, closing, () -> "the younger's: " + closing);
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, victim.code(), victim.toString());
    assertInstanceOf(PointsResult.class, waited, () -> "the older host's award: " + waited);
    assertBalanceIsTheLedger(scope, w.ref(0), 2);
    assertBalanceIsTheLedger(scope, w.ref(1), 1);
  }
}
