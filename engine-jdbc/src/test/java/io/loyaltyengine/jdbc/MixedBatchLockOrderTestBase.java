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
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A batch of group commit that mixes kinds of calls, run behind savepoints (on a store that runs one batch at a time,
 * as H2), racing a host transaction, on one backend per subclass. The batch holds a redemption of a catalog reward
 * by one participant, then a call on a second participant, of each kind group commit combines; a host transaction
 * awards the second participant and redeems the same catalog reward for them. Were the batch to take each unit's
 * locks as the unit comes, it would hold the catalog reward (the redemption's stock) while it waited for the second
 * participant, which the host holds while it waits for the catalog reward: the store fails one side, and a host
 * transaction, never retried, sees STORAGE_UNAVAILABLE (H2 fails the younger transaction, the host's here). The batch
 * locks the participants its units name first, in ascending id order, as every unit of work alone takes
 * participants before other rows, so the host waits for the batch instead. The batch pauses before its second unit,
 * and group commit's gate forms the batch, so who waits for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class MixedBatchLockOrderTestBase extends HostTransactionTestBase {
  /** The batch's second unit, on the participant the host holds, and the points it moves for them. */
  enum SecondUnit {
    AWARD_BY_ID(10, s -> s.scope.points().award(s.held, PointsChange.of(10, "purchase")),
        a -> assertInstanceOf(PointsResult.class, a)),
    AWARD_BY_EMAIL(10, s -> s.scope.points().award(s.heldByEmail, PointsChange.of(10, "purchase")),
        a -> assertInstanceOf(PointsResult.class, a)),
    BULK_CHUNK(10, s -> s.scope.points().applyAll(List.of(
        PointsOperation.award(s.heldByEmail, PointsChange.of(10, "import")))),
        a -> assertTrue(((List<?>) a).stream().allMatch(o -> ((PointsOutcome) o).succeeded()), a::toString)),
    REDEMPTION(-10, s -> s.scope.catalog().redeem(s.held, s.cup.id(), null),
        a -> assertInstanceOf(Redemption.class, a)),
    ACTION_BY_EMAIL(0, s -> s.scope.rewards().recordAction(LoyaltyAction.of(s.heldByEmail, s.reward.id())),
        a -> assertInstanceOf(ActionResult.class, a)),
    REFERRAL_NAMING_THEM(0, s -> s.scope.rewards().recordAction(
        LoyaltyAction.of(s.referrer, s.reward.id()).referring(s.held)),
        a -> assertInstanceOf(ActionResult.class, a));

    final long pointsToHeld;
    final Function<Setting, Object> call;
    final Consumer<Object> check;

    SecondUnit(long pointsToHeld, Function<Setting, Object> call, Consumer<Object> check) {
      this.pointsToHeld = pointsToHeld;
      this.call = call;
      this.check = check;
    }
  }

  @ParameterizedTest
  @EnumSource(SecondUnit.class)
  void aMixedBatchLocksItsParticipantsBeforeARedemptionTakesTheCatalogReward(SecondUnit second) throws Exception {
    PausingStore pausing = new PausingStore();
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage(), true);
    LoyaltyEngine engine = engines.build(engines.builder(pausing.storage(probe), GroupCommitTestBase.COMBINING));
    Setting s = new Setting(engine);
    pausing.beforeNestedUnit(2);

    Object hostAnswer;
    List<Object> batchAnswers;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      // The batch: the redemption, then the second unit, which pauses before it runs.
      GroupCommitProbe.QueuedBatch batch = probe.queueBehindAPlug(pool,
          () -> s.scope.points().award(s.plugged, PointsChange.of(1, "plug")),
          List.of(() -> s.scope.catalog().redeem(s.redeemer, s.mug.id(), null), () -> second.call.apply(s)));
      batch.gate().release();
      assertInstanceOf(PointsResult.class, batch.plug().get(60, TimeUnit.SECONDS), "the plug");
      pausing.awaitPaused();
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        TenantScope hosted = s.scope.joining(host.transaction());
        Future<Object> hosting = pool.submit(answer(() -> {
          hosted.points().award(s.held, PointsChange.of(5, "purchase"));
          return hosted.catalog().redeem(s.held, s.mug.id(), null);
        }));
        JdbcLockWaits.awaitASessionBlockedOnALockOr(fixture, hosting::isDone);
        pausing.resume();
        hostAnswer = hosting.get(60, TimeUnit.SECONDS);
        finish(host, hostAnswer);
      }
      batchAnswers = List.of(batch.queued().get(0).get(60, TimeUnit.SECONDS),
          batch.queued().get(1).get(60, TimeUnit.SECONDS));
    } finally {
      pausing.resume();
      pool.shutdownNow();
    }
    Object hostRedeemed = hostAnswer;
    assertInstanceOf(Redemption.class, hostRedeemed, () -> "the host's redemption: " + hostRedeemed);
    Object redeemed = batchAnswers.get(0);
    assertEquals(10, assertInstanceOf(Redemption.class, redeemed, () -> "the batch's redemption: " + redeemed)
        .balance(), "the redeemer: 20 - 10");
    second.check.accept(batchAnswers.get(1));
    assertEquals(3L, s.scope.catalog().get(s.mug.id()).stock(), "two mugs taken");
    assertBalanceIsTheLedger(s.scope, s.held, 20 + 5 - 10 + second.pointsToHeld);
    assertBalanceIsTheLedger(s.scope, s.redeemer, 10);
  }

  /**
   * Four participants, ids ascending: one for the plug, the batch's redeemer, the one the host holds (20 points each
   * for the last two), and a referrer; two catalog rewards of 10 points with a stock of 5; a campaign reward.
   */
  static final class Setting {
    final TenantScope scope;
    final ParticipantRef plugged;
    final ParticipantRef redeemer;
    final ParticipantRef held;
    final ParticipantRef heldByEmail;
    final ParticipantRef referrer;
    final CatalogReward mug;
    final CatalogReward cup;
    final CampaignReward reward;

    Setting(LoyaltyEngine engine) {
      World w = new World(engine, 4);
      scope = engine.forTenant(w.tenantId);
      plugged = w.ref(0);
      redeemer = w.ref(1);
      held = w.ref(2);
      heldByEmail = ParticipantRef.email(w.campaignId, scope.participants().get(held).email());
      referrer = w.ref(3);
      assertTrue(w.participants.get(1) < w.participants.get(2), "participants are numbered in creation order");
      mug = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Mug", 10, RewardType.CUSTOM_MESSAGE)
          .withStock(5));
      cup = scope.catalog().create(NewCatalogReward.of(w.campaignId, "Cup", 10, RewardType.CUSTOM_MESSAGE)
          .withStock(5));
      reward = scope.rewards().define(w.campaignId, NewCampaignReward.message("Thanks", "Thank you", 10));
      scope.points().award(redeemer, PointsChange.of(20, "purchase"));
      scope.points().award(held, PointsChange.of(20, "purchase"));
    }
  }
}
