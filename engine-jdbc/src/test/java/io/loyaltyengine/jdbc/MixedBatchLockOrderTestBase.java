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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A batch of group commit that mixes kinds of calls, run behind savepoints (on a store that runs one batch at a time,
 * as H2), racing a host transaction, on one backend per subclass.
 *
 * <p>First, a batch of two units whose second is a call on a participant the host holds, of each kind group commit
 * combines. Before a call that takes only its participants' own rows, the batch holds a redemption of a catalog reward
 * by another participant, and the host awards the held participant and redeems the same catalog reward for them. Were
 * the batch to take each unit's locks as the unit comes, it would hold the catalog reward (the redemption's stock)
 * while it waited for the held participant, whom the host holds while it waits for the catalog reward: the store fails
 * one side, and a host transaction, never retried, sees STORAGE_UNAVAILABLE (H2 fails the younger transaction, the
 * host's here). A call that shares other rows (a redemption of another catalog reward, an action) is never in a batch
 * with that redemption (see below), so before one of those the batch holds an award to a participant of a higher id,
 * which the host awards after the held one, in ascending ids as the engine does. The batch locks the participants its
 * units name first, in ascending id order, as every unit of work alone takes participants before other rows, so the
 * host waits for the batch instead.
 *
 * <p>Second, a batch whose first and third units take two shared rows, against a host taking the same two the other
 * way round: a batch takes the shared rows of one unit only, as a unit alone does.
 *
 * <p>The batch pauses before its second unit, and group commit's gate forms the batch, so who waits for whom is fixed
 * with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class MixedBatchLockOrderTestBase extends HostTransactionTestBase {
  private final PausingStore pausing = new PausingStore();
  private GroupCommitProbe probe;

  @BeforeEach
  void openProbe() {
    probe = new GroupCommitProbe(fixture.openStorage(), true);
  }

  /**
   * The batch's second unit, on the participant the host holds, the points it moves for them, and whether it shares
   * rows other than the mug's.
   */
  enum SecondUnit {
    AWARD_BY_ID(10, false, s -> s.scope.points().award(s.held, PointsChange.of(10, "purchase")),
        a -> assertInstanceOf(PointsResult.class, a)),
    AWARD_BY_EMAIL(10, false, s -> s.scope.points().award(s.heldByEmail, PointsChange.of(10, "purchase")),
        a -> assertInstanceOf(PointsResult.class, a)),
    BULK_CHUNK(10, false, s -> s.scope.points().applyAll(List.of(
        PointsOperation.award(s.heldByEmail, PointsChange.of(10, "import")))),
        a -> assertTrue(((List<?>) a).stream().allMatch(o -> ((PointsOutcome) o).succeeded()), a::toString)),
    REDEMPTION(-10, true, s -> s.scope.catalog().redeem(s.held, s.cup.id(), null),
        a -> assertInstanceOf(Redemption.class, a)),
    ACTION_BY_EMAIL(0, true, s -> s.scope.rewards().recordAction(LoyaltyAction.of(s.heldByEmail, s.reward.id())),
        a -> assertInstanceOf(ActionResult.class, a)),
    REFERRAL_NAMING_THEM(0, true, s -> s.scope.rewards().recordAction(
        LoyaltyAction.of(s.referrer, s.reward.id()).referring(s.held)),
        a -> assertInstanceOf(ActionResult.class, a));

    final long pointsToHeld;
    final boolean sharesOtherRows;
    final Function<Setting, Object> call;
    final Consumer<Object> check;

    SecondUnit(long pointsToHeld, boolean sharesOtherRows, Function<Setting, Object> call, Consumer<Object> check) {
      this.pointsToHeld = pointsToHeld;
      this.sharesOtherRows = sharesOtherRows;
      this.call = call;
      this.check = check;
    }
  }

  @ParameterizedTest
  @EnumSource(SecondUnit.class)
  void aMixedBatchLocksItsParticipantsBeforeItsFirstUnitTakesItsRows(SecondUnit second) throws Exception {
    Setting s = new Setting(engines.build(engines.builder(pausing.storage(probe), GroupCommitTestBase.COMBINING)));
    // The mug's redemption shares rows: before a unit that shares others it would make a batch of its own.
    Callable<Object> firstUnit = second.sharesOtherRows
        ? () -> s.scope.points().award(s.referrer, PointsChange.of(1, "purchase"))
        : () -> s.scope.catalog().redeem(s.redeemer, s.mug.id(), null);

    Race race = race(s, List.of(firstUnit, () -> second.call.apply(s)), hosted -> {
      hosted.points().award(s.held, PointsChange.of(5, "purchase"));
      return second.sharesOtherRows
          ? hosted.points().award(s.referrer, PointsChange.of(5, "purchase"))
          : hosted.catalog().redeem(s.held, s.mug.id(), null);
    });
    Object hostDid = race.host();
    Object firstDid = race.batch().get(0);
    second.check.accept(race.batch().get(1));
    if (second.sharesOtherRows) {
      assertInstanceOf(PointsResult.class, hostDid, () -> "the host's award: " + hostDid);
      assertInstanceOf(PointsResult.class, firstDid, () -> "the batch's award: " + firstDid);
      assertEquals(20L + 5 + second.pointsToHeld, s.scope.participants().get(s.held).pointsBalance());
    } else {
      assertInstanceOf(Redemption.class, hostDid, () -> "the host's redemption: " + hostDid);
      assertEquals(10, assertInstanceOf(Redemption.class, firstDid, () -> "the batch's redemption: " + firstDid)
          .balance(), "the redeemer: 20 - 10");
      assertEquals(3L, s.scope.catalog().get(s.mug.id()).stock(), "two mugs taken");
      assertBalanceIsTheLedger(s.scope, s.redeemer, 10);
    }
    assertBalanceIsTheLedger(s.scope, s.held, 20 + 5 - (second.sharesOtherRows ? 0 : 10) + second.pointsToHeld);
  }

  /**
   * Two calls that each take a row that calls on other participants take too: two catalog rewards' stock, or a
   * catalog reward's stock and a coupon pool (its campaign's row, which an action unlocking a coupon takes).
   */
  enum SharedRows {
    TWO_CATALOG_REWARDS(20, (s, scope, who) -> scope.catalog().redeem(who, s.mug.id(), null),
        (s, scope, who) -> scope.catalog().redeem(who, s.cup.id(), null)),
    A_CATALOG_REWARD_AND_A_COUPON_POOL(10, (s, scope, who) -> scope.catalog().redeem(who, s.mug.id(), null),
        (s, scope, who) -> scope.rewards().recordAction(LoyaltyAction.of(who, s.coupon.id())));

    /** The points the two calls cost one participant. */
    final long pointsSpent;
    final Call first;
    final Call second;

    SharedRows(long pointsSpent, Call first, Call second) {
      this.pointsSpent = pointsSpent;
      this.first = first;
      this.second = second;
    }
  }

  /** A call of {@link SharedRows} by {@code who}, through {@code scope}. */
  @FunctionalInterface
  interface Call {
    Object on(Setting s, TenantScope scope, ParticipantRef who);
  }

  /**
   * A batch whose first and third units take two shared rows, and a host transaction that takes the same two the
   * other way round, for another participant. Were the batch to hold both, it would hold the first while it waited
   * for the second, which the host holds while it waits for the first. A batch takes the shared rows of one unit
   * only, as a unit alone does: the third unit waits for the next batch, and the host, waiting for the batch's commit
   * only, gets both rows.
   */
  @ParameterizedTest
  @EnumSource(SharedRows.class)
  void aBatchTakesTheSharedRowsOfOneOfItsUnitsOnly(SharedRows shared) throws Exception {
    Setting s = new Setting(engines.build(engines.builder(pausing.storage(probe), GroupCommitTestBase.COMBINING)));
    s.scope.coupons().upload(s.coupon.campaignId(), List.of("C-1", "C-2", "C-3"));

    // The first shared row, an award to a third participant (before which the batch pauses), the second shared row.
    Race race = race(s, List.of(() -> shared.first.on(s, s.scope, s.redeemer),
        () -> s.scope.points().award(s.referrer, PointsChange.of(1, "purchase")),
        () -> shared.second.on(s, s.scope, s.redeemer)), hosted -> {
          shared.second.on(s, hosted, s.held);
          return shared.first.on(s, hosted, s.held);
        });
    assertInstanceOf(Redemption.class, race.host(), () -> "the host's redemption: " + race.host());
    List<Object> answers = race.batch();
    assertTrue(answers.get(0) instanceof Redemption && answers.get(1) instanceof PointsResult
        && (answers.get(2) instanceof Redemption || answers.get(2) instanceof ActionResult),
        () -> "the batch's calls: " + answers);
    assertEquals(3L, s.scope.catalog().get(s.mug.id()).stock(), "two mugs taken");
    assertBalanceIsTheLedger(s.scope, s.held, 20 - shared.pointsSpent);
    assertBalanceIsTheLedger(s.scope, s.redeemer, 20 - shared.pointsSpent);
  }

  /** What each side of a race got: the host's work, and each call of the batch in order. */
  record Race(Object host, List<Object> batch) {
  }

  /**
   * Queues {@code calls} as one batch behind a plug, pauses the batch before its second unit, runs {@code hostWork}
   * in a host transaction until the host waits for a lock (or ends), then lets the batch go, and returns what each
   * side got. The host's transaction commits unless its work threw.
   */
  private Race race(Setting s, List<Callable<?>> calls, Function<TenantScope, Object> hostWork) throws Exception {
    pausing.beforeNestedUnit(2);
    ExecutorService pool = Executors.newFixedThreadPool(calls.size() + 2);
    try {
      GroupCommitProbe.QueuedBatch batch = probe.queueBehindAPlug(pool,
          () -> s.scope.points().award(s.plugged, PointsChange.of(1, "plug")), calls);
      batch.gate().release();
      assertInstanceOf(PointsResult.class, batch.plug().get(60, TimeUnit.SECONDS), "the plug");
      pausing.awaitPaused();
      Object hostAnswer;
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        TenantScope hosted = s.scope.joining(host.transaction());
        Future<Object> hosting = pool.submit(answer(() -> hostWork.apply(hosted)));
        JdbcLockWaits.awaitASessionBlockedOnALockOr(fixture, hosting::isDone);
        pausing.resume();
        hostAnswer = hosting.get(60, TimeUnit.SECONDS);
        finish(host, hostAnswer);
      }
      List<Object> answers = new ArrayList<>();
      for (Future<Object> queued : batch.queued()) {
        answers.add(queued.get(60, TimeUnit.SECONDS));
      }
      return new Race(hostAnswer, answers);
    } finally {
      pausing.resume();
      pool.shutdownNow();
    }
  }

  /**
   * Four participants, ids ascending: one for the plug, the batch's redeemer, the one the host holds (20 points each
   * for the last two), and a referrer; two catalog rewards of 10 points with a stock of 5; a campaign reward
   * unlocked every 10 actions, and one that gives a coupon on every action.
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
    final CampaignReward coupon;

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
      coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
      scope.points().award(redeemer, PointsChange.of(20, "purchase"));
      scope.points().award(held, PointsChange.of(20, "purchase"));
    }
  }
}
