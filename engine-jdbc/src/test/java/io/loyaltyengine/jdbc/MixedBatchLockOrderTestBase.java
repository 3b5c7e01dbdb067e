package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
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
 * A batch of group commit that mixes kinds of calls, run behind savepoints (on a store that runs one batch at a time,
 * as H2), racing a host transaction, on one backend per subclass. The batch holds a redemption of a catalog reward
 * by one participant, then an award to a second participant; a host transaction awards the second participant and
 * redeems the same catalog reward for them. Were the batch to take each unit's locks as the unit comes, it would hold
 * the catalog reward (the redemption's stock) while it waited for the second participant, which the host holds while
 * it waits for the catalog reward: the store fails one side, and a host transaction, never retried, sees
 * STORAGE_UNAVAILABLE (H2 fails the younger transaction, the host's here). The batch locks the participants its
 * units name first, in ascending id order, as every unit of work alone takes participants before other rows, so the
 * host waits for the batch instead. The batch pauses before its award, and group commit's gate forms the batch, so
 * who waits for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class MixedBatchLockOrderTestBase extends HostTransactionTestBase {
  @Test
  void aMixedBatchLocksItsParticipantsBeforeARedemptionTakesTheCatalogReward() throws Exception {
    PausingCredits pausing = new PausingCredits();
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage(), true);
    LoyaltyEngine engine = engines.build(engines.builder(pausing.storage(probe), GroupCommitTestBase.COMBINING));
    World w = new World(engine, 3);
    TenantScope scope = engine.forTenant(w.tenantId);
    ParticipantRef plugged = w.ref(0);
    ParticipantRef redeemer = w.ref(1);
    ParticipantRef held = w.ref(2);
    assertTrue(w.participants.get(1) < w.participants.get(2), "participants are numbered in creation order");
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(w.campaignId, "Mug", 10, RewardType.CUSTOM_MESSAGE).withStock(5));
    scope.points().award(redeemer, PointsChange.of(20, "purchase"));
    scope.points().award(held, PointsChange.of(20, "purchase"));
    pausing.pauseBefore(w.participants.get(2));

    Object hostAnswer;
    List<Object> batchAnswers;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      // A plug held at the start of its transaction, so that the next two queue behind it and form a batch in that
      // order: the redemption, then the award, which pauses before it credits.
      GroupCommitProbe.Gate gate = probe.holdNextTransaction();
      Future<Object> plug = pool.submit(answer(() -> scope.points().award(plugged, PointsChange.of(1, "plug"))));
      gate.awaitHeld();
      List<Future<Object>> queued = List.of(
          GroupCommitProbe.submitQueued(pool, answer(() -> scope.catalog().redeem(redeemer, mug.id(), null))),
          GroupCommitProbe.submitQueued(pool, answer(() -> scope.points().award(held,
              PointsChange.of(10, "purchase")))));
      gate.release();
      assertInstanceOf(PointsResult.class, plug.get(60, TimeUnit.SECONDS), "the plug");
      pausing.awaitPaused();
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        TenantScope hosted = scope.joining(host.transaction());
        Future<Object> hosting = pool.submit(answer(() -> {
          hosted.points().award(held, PointsChange.of(5, "purchase"));
          return hosted.catalog().redeem(held, mug.id(), null);
        }));
        JdbcLockWaits.awaitASessionBlockedOnALockOr(fixture, hosting::isDone);
        pausing.resume();
        hostAnswer = hosting.get(60, TimeUnit.SECONDS);
        finish(host, hostAnswer);
      }
      batchAnswers = List.of(queued.get(0).get(60, TimeUnit.SECONDS), queued.get(1).get(60, TimeUnit.SECONDS));
    } finally {
      pausing.resume();
      pool.shutdownNow();
    }
    Object hostRedeemed = hostAnswer;
    assertEquals(25, assertInstanceOf(Redemption.class, hostRedeemed, () -> "the host's redemption: " + hostRedeemed)
        .balance(), "the held participant: 20 + 10 from the batch, then + 5 - 10 from the host");
    Object redeemed = batchAnswers.get(0);
    assertEquals(10, assertInstanceOf(Redemption.class, redeemed, () -> "the batch's redemption: " + redeemed)
        .balance(), "the redeemer: 20 - 10");
    Object awarded = batchAnswers.get(1);
    assertEquals(30, assertInstanceOf(PointsResult.class, awarded, () -> "the batch's award: " + awarded)
        .balance(), "the held participant: 20 + 10, before the host");
    assertEquals(3L, scope.catalog().get(mug.id()).stock(), "two units taken");
    assertBalanceIsTheLedger(scope, held, 25);
    assertBalanceIsTheLedger(scope, redeemer, 10);
  }
}
