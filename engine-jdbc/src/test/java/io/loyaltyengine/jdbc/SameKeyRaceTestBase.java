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
import io.loyaltyengine.core.spi.CatalogPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.Storage;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Function;
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

  @Test
  void anAwardThatLostItsKeyToTheSameRequestAnswersAsARetryWouldWhenItsParticipantIsDeletedMeanwhile()
      throws Exception {
    PointsChange award = PointsChange.of(5, "purchase").withIdempotencyKey("order-5");
    Pause atAnswer = new Pause();
    AtomicInteger lookups = new AtomicInteger();
    LoyaltyEngine engine = engines.build(engines.builder(new InterceptingStorage((Storage) fixture.openStorage(),
        tx -> new ForwardingTransaction(tx) {
          @Override
          public LedgerPort ledger() {
            return InterceptingStorage.intercept(LedgerPort.class, tx.ledger(), (method, args, port) -> {
              // The second lookup of the key: the one answering the request after its insert lost the key.
              if (method.getName().equals("findByIdempotencyKey") && "order-5".equals(args[1])
                  && lookups.incrementAndGet() == 2) {
                atAnswer.here();
              }
              return InterceptingStorage.invoke(method, port, args);
            });
          }
        }), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    assertAnsweredAsWithoutTheRace(scope, w, atAnswer,
        host -> scope.joining(host.transaction()).points().award(w.ref(0), award),
        () -> scope.points().award(w.ref(0), award),
        (first, got) -> got instanceof PointsResult r && r.replayed()
            && r.entry().equals(((PointsResult) first).entry()), "a replay of the first award");
  }

  @Test
  void aRedemptionThatLostItsKeyToAnotherParticipantIsNotFoundOnceItsParticipantIsDeletedMeanwhile()
      throws Exception {
    Pause atAnswer = new Pause();
    AtomicInteger lookups = new AtomicInteger();
    LoyaltyEngine engine = engines.build(engines.builder(new InterceptingStorage((Storage) fixture.openStorage(),
        tx -> new ForwardingTransaction(tx) {
          @Override
          public CatalogPort catalog() {
            return InterceptingStorage.intercept(CatalogPort.class, tx.catalog(), (method, args, port) -> {
              // The second lookup of the key: the one answering the request after its insert lost the key.
              if (method.getName().equals("findRedemptionByKey") && "order-6".equals(args[1])
                  && lookups.incrementAndGet() == 2) {
                atAnswer.here();
              }
              return InterceptingStorage.invoke(method, port, args);
            });
          }
        }), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.points().award(w.ref(0), PointsChange.of(50, "purchase"));
    scope.points().award(w.ref(1), PointsChange.of(50, "purchase"));
    // Two rewards: the second request takes no lock the first holds but the key's, which its ledger insert meets.
    CatalogReward mug = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Mug", 20, RewardType.CUSTOM));
    CatalogReward tea = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Tea", 10, RewardType.CUSTOM));
    assertAnsweredAsWithoutTheRace(scope, w, atAnswer,
        host -> scope.joining(host.transaction()).catalog().redeem(w.ref(1), mug.id(), "order-6"),
        () -> scope.catalog().redeem(w.ref(0), tea.id(), "order-6"),
        (first, got) -> got instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT
            && e.field().orElse("").equals("idempotencyKey"), "CONFLICT on idempotencyKey (another's key)");
  }

  /**
   * Holds {@code first} in a host transaction while {@code request} (on participant 0, with the key {@code first}
   * took) waits for it, commits it so that the request loses the key, and deletes participant 0 in another host
   * transaction while the request's answer is paused at its lookup of the key (at {@code atAnswer}). A deletion that
   * committed before that lookup must make the answer NOT_FOUND, as the request is without the race once its
   * participant is gone; one that waited for the answer leaves the answer {@code whileThere} accepts.
   */
  private void assertAnsweredAsWithoutTheRace(TenantScope scope, World w, Pause atAnswer,
      Function<HostTx, Object> first, Callable<Object> request, BiPredicate<Object, Object> whileThere,
      String expectedWhileThere) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Object> answer;
      Object held;
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        held = first.apply(host);
        answer = pool.submit(answer(request));
        JdbcLockWaits.awaitASessionWaitingOr(fixture, answer::isDone);
        host.commit();
      }
      atAnswer.awaitReached("the request answered after losing its key");
      Future<Object> deletion = pool.submit(answer(() -> {
        try (HostTx deleting = fixture.hostTransactions().orElseThrow().begin()) {
          scope.joining(deleting.transaction()).participants().delete(w.ref(0));
          deleting.commit();
        }
        return "deleted";
      }));
      JdbcLockWaits.awaitASessionBlockedOnALockOr(fixture, deletion::isDone);
      boolean deletedFirst = deletion.isDone();
      atAnswer.release();
      Object got = answer.get(60, TimeUnit.SECONDS);
      assertEquals("deleted", deletion.get(60, TimeUnit.SECONDS));
      if (deletedFirst) {
        assertTrue(got instanceof LoyaltyException e && e.code() == ErrorCode.NOT_FOUND,
            "the participant was deleted before the answer: NOT_FOUND, as without the race, not " + got);
      } else {
        assertTrue(whileThere.test(held, got), "the deletion waited for the answer: " + expectedWhileThere
            + ", not " + got);
      }
    } finally {
      atAnswer.release();
      pool.shutdownNow();
    }
  }

  private static List<Idea> ideas(TenantScope scope, FeedbackBoard board) {
    return scope.feedback().ideas(board.id(), null, IdeaOrder.NEWEST, PageRequest.of(1, 10)).items();
  }
}
