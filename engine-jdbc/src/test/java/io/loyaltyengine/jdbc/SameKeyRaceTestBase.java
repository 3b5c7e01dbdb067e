package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.amounts;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.balance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two requests with one idempotency key racing on one database, on one backend per subclass: the one that waits for
 * the other's row lock answers as a retry would (the first one's result, replayed), whatever the first one left of
 * the balance or the stock for it. A host transaction holds the first request uncommitted, so the second one waits
 * for the lock with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class SameKeyRaceTestBase extends HostTransactionTestBase {
  @Test
  void aDeductionThatWaitedForTheSameRequestTakingTheBalanceBelowItsAmountReplaysIt() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(10, "purchase"));
    PointsChange spend = PointsChange.of(8, "redemption").withIdempotencyKey("spend-1");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      PointsResult first = scope.joining(host.transaction()).points().deduct(w.ref(0), spend);
      // The same request again: its key lookup cannot see the uncommitted entry, so it waits for the participant's
      // row lock, then finds 2 points left for its 8.
      Future<Object> again = pool.submit(answer(() -> scope.points().deduct(w.ref(0), spend)));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      host.commit();
      Object got = again.get(60, TimeUnit.SECONDS);
      assertTrue(got instanceof PointsResult r && r.replayed(), "a replay of the first, not INSUFFICIENT_POINTS: "
          + got);
      assertEquals(first.entry(), ((PointsResult) got).entry());
      assertEquals(2, ((PointsResult) got).balance());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(-8L, 10L), amounts(scope, w.ref(0)));
  }

  @Test
  void aRedemptionThatWaitedForTheSameRequestTakingTheLastUnitReplaysIt() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(50, "purchase"));
    CatalogReward last = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Last mug", 20, RewardType.CUSTOM)
        .withStock(1));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      Redemption first = scope.joining(host.transaction()).catalog().redeem(w.ref(0), last.id(), "order-9");
      // The same request again: it waits for the participant's row lock, which the first one holds, and then its
      // key lookup finds the committed redemption. (A request that reached the reward's row lock first is the next
      // test's.)
      Future<Object> again = pool.submit(answer(() -> scope.catalog().redeem(w.ref(0), last.id(), "order-9")));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      host.commit();
      Object got = again.get(60, TimeUnit.SECONDS);
      assertTrue(got instanceof Redemption r && r.replayed(), "a replay of the first, not OUT_OF_STOCK: " + got);
      assertEquals(first.id(), ((Redemption) got).id());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0L, scope.catalog().get(last.id()).stock());
    assertEquals(30, balance(scope, w.ref(0)));
  }

  @Test
  void aRedemptionByAnotherParticipantThatWaitedForTheKeysFirstUseTakingTheLastUnitIsConflictNotOutOfStock()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(50, "purchase"));
    scope.points().award(w.ref(1), PointsChange.of(50, "purchase"));
    CatalogReward last = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Last mug", 20, RewardType.CUSTOM)
        .withStock(1));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      scope.joining(host.transaction()).catalog().redeem(w.ref(0), last.id(), "order-9");
      // Another participant with the key: it does not queue at the first one's participant lock, so its key lookup
      // cannot see the uncommitted redemption; it waits for the reward's row lock, then finds no stock left. The key
      // is looked up again and the answer is a retry's (the key names the first one's redemption): CONFLICT.
      Future<Object> other = pool.submit(answer(() -> scope.catalog().redeem(w.ref(1), last.id(), "order-9")));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      host.commit();
      Object got = other.get(60, TimeUnit.SECONDS);
      assertTrue(got instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT
          && e.field().orElse("").equals("idempotencyKey"), "CONFLICT on idempotencyKey, not OUT_OF_STOCK: " + got);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0L, scope.catalog().get(last.id()).stock());
    assertEquals(30, balance(scope, w.ref(0)));
    assertEquals(50, balance(scope, w.ref(1)), "the refused redemption took nothing");
  }

  @Test
  void anIdeaSubmittedByAnotherParticipantWithAKeyAnotherTransactionHoldsIsAConflictAndNotASecondIdea()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    FeedbackBoard board = scope.feedback().createBoard(NewFeedbackBoard.of(w.campaignId, "Ideas"));
    NewIdea request = NewIdea.of("Dark mode").withIdempotencyKey("idea-9");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      Idea first = scope.joining(host.transaction()).feedback().submitIdea(w.ref(0), board.id(), request);
      // Another participant with the key: it does not queue at the first one's participant lock, and its key lookup
      // cannot see the uncommitted idea; the unique key on (tenant, key) makes its insert wait for the first one (on
      // H2 by running the insert again until that one ends, with no blocker shown).
      Future<Object> other = pool.submit(answer(() -> scope.feedback().submitIdea(w.ref(1), board.id(), request)));
      JdbcLockWaits.awaitASessionWaitingOr(fixture, other::isDone);
      host.commit();
      Object got = other.get(60, TimeUnit.SECONDS);
      assertTrue(got instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT
          && e.field().orElse("").equals("idempotencyKey"), "CONFLICT on idempotencyKey, not a second idea: " + got);
      assertEquals(List.of(first), ideas(scope, board));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anIdeaSubmissionThatWaitedForTheSameRequestAnswersItsIdea() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    FeedbackBoard board = scope.feedback().createBoard(NewFeedbackBoard.of(w.campaignId, "Ideas"));
    NewIdea request = new NewIdea("Dark mode", "Too bright.", "idea-9");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      Idea first = scope.joining(host.transaction()).feedback().submitIdea(w.ref(0), board.id(), request);
      // The same request again (a retry after a lost answer): it waits for the participant's row lock, then its key
      // lookup finds the committed idea.
      Future<Object> again = pool.submit(answer(() -> scope.feedback().submitIdea(w.ref(0), board.id(), request)));
      JdbcLockWaits.awaitASessionBlockedOnALockOr(fixture, again::isDone);
      host.commit();
      assertEquals(first, again.get(60, TimeUnit.SECONDS), "the first one's idea");
      assertEquals(List.of(first), ideas(scope, board));
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<Idea> ideas(TenantScope scope, FeedbackBoard board) {
    return scope.feedback().ideas(board.id(), null, IdeaOrder.NEWEST, PageRequest.of(1, 10)).items();
  }
}
