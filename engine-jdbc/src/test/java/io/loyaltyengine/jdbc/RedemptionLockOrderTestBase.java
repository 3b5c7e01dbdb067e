package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two redemptions of one catalog reward by one participant, one of them in a host transaction that already holds the
 * participant's row lock, on one backend per subclass. A redemption takes the participant's lock for its deduction
 * and the catalog reward's for its stock. Were it to take the catalog reward's first, the other redemption would
 * hold the catalog reward and wait for the participant while the host's held the participant and waited for the
 * catalog reward (the store would fail one; a host transaction, never retried, would see STORAGE_UNAVAILABLE). It
 * takes the participant's first, so it waits for the host's transaction, and both go through. Host transactions hold
 * both sides uncommitted, so who waits for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class RedemptionLockOrderTestBase extends HostTransactionTestBase {
  @Test
  void aRedemptionWaitsForItsParticipantRatherThanDeadlockWithAHostRedeemingTheSameRewardForThem()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    CatalogReward reward = scope.catalog().create(
        NewCatalogReward.of(w.campaignId, "Mug", 10, RewardType.CUSTOM_MESSAGE).withStock(5));
    ParticipantRef participant = w.ref(0);
    scope.points().award(participant, PointsChange.of(20, "purchase"));
    Object hostRedeemed;
    Object redeemed;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      // The first host holds the participant's lock.
      hosted.points().award(participant, PointsChange.of(5, "purchase"));
      Future<Object> redeeming = pool.submit(answer(() ->
          scope.joining(second.transaction()).catalog().redeem(participant, reward.id(), null)));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      hostRedeemed = answer(() -> hosted.catalog().redeem(participant, reward.id(), null)).call();
      finish(first, hostRedeemed);
      redeemed = redeeming.get(60, TimeUnit.SECONDS);
      finish(second, redeemed);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(15, assertInstanceOf(Redemption.class, hostRedeemed, () -> "the host's redemption: " + hostRedeemed)
        .balance());
    assertEquals(5, assertInstanceOf(Redemption.class, redeemed, () -> "the other redemption: " + redeemed).balance());
    assertEquals(3L, scope.catalog().get(reward.id()).stock(), "two units taken");
  }
}
