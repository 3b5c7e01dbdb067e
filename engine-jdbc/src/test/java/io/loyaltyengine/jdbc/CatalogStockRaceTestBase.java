package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static io.loyaltyengine.jdbc.Answers.race;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A catalog reward's stock and price changed by the host while participants redeem it, on one database through two
 * engines, one backend per subclass. Many threads redeeming while others add and remove units end with the stock
 * the accepted changes add up to (initial + adjustments - redemptions), never below zero, and with one redemption
 * row and one cost deducted per unit taken. A redemption that waits for an uncommitted change of its reward is
 * judged on the row that change leaves: it is charged the new cost, and finds no unit left once a removal took them
 * all. Host transactions hold the change uncommitted, so who waits for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CatalogStockRaceTestBase extends HostTransactionTestBase {
  private static final int PARTICIPANTS = 12;
  private static final int THREADS = 12;
  private static final int CALLS_PER_THREAD = 25;
  private static final long INITIAL_STOCK = 20;
  private static final long COST = 3;

  @Test
  void redemptionsAndStockAdjustmentsRacingEndWithTheStockTheAcceptedChangesAddUpTo() throws Exception {
    LoyaltyEngine first = engines.build(engines.builder(fixture.openStorage(), 0));
    LoyaltyEngine second = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(first, PARTICIPANTS);
    List<TenantScope> scopes = List.of(first.forTenant(w.tenantId), second.forTenant(w.tenantId));
    CatalogReward tin = scopes.get(0).catalog().create(
        NewCatalogReward.of(w.campaignId, "Tea tin", COST, RewardType.CUSTOM_MESSAGE).withStock(INITIAL_STOCK));
    for (int i = 0; i < PARTICIPANTS; i++) {
      scopes.get(0).points().award(w.ref(i), PointsChange.of(1_000, "seed"));
    }
    // Every third thread adjusts, alternately adding 3 and removing 4 units (a removal may find too few); the
    // others redeem, each for its own participant.
    List<Object> answers = race(THREADS, thread -> () -> {
      TenantScope scope = scopes.get(thread % scopes.size());
      List<Object> mine = new ArrayList<>();
      for (int call = 0; call < CALLS_PER_THREAD; call++) {
        long delta = call % 2 == 0 ? 3 : -4;
        mine.add(answer(thread % 3 == 0
            ? () -> new Adjusted(delta, scope.catalog().adjustStock(tin.id(), delta))
            : () -> scope.catalog().redeem(w.ref(thread % PARTICIPANTS), tin.id(), null)).call());
      }
      return mine;
    });
    long redeemed = 0;
    long adjusted = 0;
    int refusedRedemptions = 0;
    int refusedRemovals = 0;
    for (Object thread : answers) {
      for (Object a : (List<?>) thread) {
        if (a instanceof Redemption r) {
          assertEquals(COST, r.pointsSpent());
          redeemed++;
        } else if (a instanceof Adjusted adj) {
          long stock = adj.reward().stock();
          assertTrue(stock >= 0 && stock <= 1_000_000_000L, "within bounds after an adjustment: " + stock);
          adjusted += adj.delta();
        } else {
          LoyaltyException e = assertInstanceOf(LoyaltyException.class, a, () -> "an answer or a refusal: " + a);
          assertEquals(ErrorCode.OUT_OF_STOCK, e.code(), e::toString);
          if ("delta".equals(e.field().orElse(null))) {
            refusedRemovals++;
          } else {
            assertEquals("catalogRewardId", e.field().orElse(null), e::toString);
            refusedRedemptions++;
          }
        }
      }
    }
    long stock = scopes.get(1).catalog().get(tin.id()).stock();
    assertTrue(stock >= 0, "never below zero: " + stock);
    assertEquals(INITIAL_STOCK + adjusted - redeemed, stock,
        "initial + accepted adjustments - redemptions (" + refusedRedemptions + " redemptions and "
            + refusedRemovals + " removals refused)");
    assertTrue(redeemed > 0, "some redemptions went through");
    assertEquals(redeemed, fixture.count("SELECT COUNT(*) FROM redemption WHERE tenant_id = ?", w.tenantId),
        "one redemption row per unit taken");
    long spent = 0;
    for (int i = 0; i < PARTICIPANTS; i++) {
      spent += 1_000 - scopes.get(0).participants().get(w.ref(i)).pointsBalance();
    }
    assertEquals(redeemed * COST, spent, "the cost deducted once per unit taken, and only then");
  }

  @Test
  void aRedemptionWaitingForAnUncommittedPriceChangeIsChargedTheNewPrice() throws Exception {
    Shop shop = shopWithATin(5);
    TenantScope scope = shop.scope();
    CatalogReward tin = shop.tin();
    ParticipantRef ada = shop.ada();
    Object redeemed = whileAHostHoldsAChange(scope,
        hosted -> hosted.catalog().update(tin.id(), CatalogRewardUpdate.of(tin).withName("Big tin")
            .withPointsCost(25)),
        () -> scope.catalog().redeem(ada, tin.id(), "redeem-1"));
    Redemption r = assertInstanceOf(Redemption.class, redeemed, () -> "the redemption: " + redeemed);
    assertEquals(25, r.pointsSpent(), "charged the price its unit was taken at, not the one it read before");
    assertEquals(75, r.balance());
    assertEquals(75, scope.participants().get(ada).pointsBalance());
    assertEquals(4L, scope.catalog().get(tin.id()).stock());
  }

  @Test
  void aRedemptionWaitingForAnUncommittedRemovalOfEveryUnitIsOutOfStockAndChangesNothing() throws Exception {
    Shop shop = shopWithATin(2);
    TenantScope scope = shop.scope();
    CatalogReward tin = shop.tin();
    ParticipantRef ada = shop.ada();
    Object redeemed = whileAHostHoldsAChange(scope, hosted -> hosted.catalog().adjustStock(tin.id(), -2),
        () -> scope.catalog().redeem(ada, tin.id(), null));
    LoyaltyException e = assertInstanceOf(LoyaltyException.class, redeemed, () -> "the redemption: " + redeemed);
    assertEquals(ErrorCode.OUT_OF_STOCK, e.code(), e::toString);
    assertEquals(0L, scope.catalog().get(tin.id()).stock());
    assertEquals(100, scope.participants().get(ada).pointsBalance(), "no points taken");
  }

  /**
   * Two host transactions on two connections redeem the last unit for two participants: the second waits for the
   * unit the first holds, finds it taken once the first commits, and is OUT_OF_STOCK with nothing of its own left;
   * its host's transaction goes on (its own row, another engine call) and commits.
   */
  @Test
  void twoHostTransactionsRedeemingTheLastUnitTakeItOnceAndTheRefusedHostGoesOn() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CatalogReward tin = scope.catalog().create(
        NewCatalogReward.of(w.campaignId, "Last tin", 10, RewardType.CUSTOM_MESSAGE).withStock(1));
    scope.points().award(w.ref(0), PointsChange.of(100, "purchase"));
    scope.points().award(w.ref(1), PointsChange.of(100, "purchase"));
    Object second;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx other = fixture.hostTransactions().orElseThrow().begin()) {
      Redemption taken = scope.joining(first.transaction()).catalog().redeem(w.ref(0), tin.id(), "first-1");
      assertEquals(90, taken.balance(), "the first took the unit");
      Future<Object> waiting = pool.submit(() -> {
        TenantScope hosted = scope.joining(other.transaction());
        Object got = answer(() -> hosted.catalog().redeem(w.ref(1), tin.id(), "second-1")).call();
        other.insertHostOrder("second-order");
        hosted.points().award(w.ref(1), PointsChange.of(5, "purchase"));
        other.commit();
        return got;
      });
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      first.commit();
      second = waiting.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    LoyaltyException e = assertInstanceOf(LoyaltyException.class, second, () -> "the second: " + second);
    assertEquals(ErrorCode.OUT_OF_STOCK, e.code(), e::toString);
    assertEquals(0L, scope.catalog().get(tin.id()).stock());
    assertEquals(90, scope.participants().get(w.ref(0)).pointsBalance());
    assertEquals(105, scope.participants().get(w.ref(1)).pointsBalance(), "nothing taken, the host's award kept");
  }

  /** A shop of one engine: a tin of 10 points with {@code stock} units, and Ada with 100 points. */
  private Shop shopWithATin(long stock) {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    CatalogReward tin = scope.catalog().create(
        NewCatalogReward.of(w.campaignId, "Tea tin", 10, RewardType.CUSTOM_MESSAGE).withStock(stock));
    scope.points().award(w.ref(0), PointsChange.of(100, "purchase"));
    return new Shop(scope, tin, w.ref(0));
  }

  /** The tenant's scope, its tin and its one participant. */
  private record Shop(TenantScope scope, CatalogReward tin, ParticipantRef ada) {
  }

  /** An adjustment that went through: its units and the reward it returned. */
  private record Adjusted(long delta, CatalogReward reward) {
  }
}
