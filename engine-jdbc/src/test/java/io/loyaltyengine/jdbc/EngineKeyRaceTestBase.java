package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.referrals.ReferralService;
import io.loyaltyengine.core.rewards.RewardService;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * A ledger key the engine makes for a change of its own (an earned reward's approval, a conversion's reversal), taken
 * by a host's points change of another participant while the engine's unit of work runs. That change does not queue
 * on the row the unit of work locked, so the unit of work meets the key only at the ledger's unique key, after its
 * own lookup: it must answer as when the key was taken before it looked (CONFLICT on the call's own field, nothing
 * changed), not with a CONFLICT on {@code idempotencyKey}, which these calls do not take. One backend per subclass.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class EngineKeyRaceTestBase extends HostTransactionTestBase {

  @Test
  void anApprovalWhoseKeyAHostTakesMeanwhileIsAConflictOnEarnedRewardIdThatChangesNothing() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.rewards().configure(w.campaignId, Automation.MANUAL, 0);
    CampaignReward reward = scope.rewards().define(w.campaignId, NewCampaignReward.points("Ten", 10, 1));
    EarnedReward earned = scope.rewards().recordAction(LoyaltyAction.of(w.ref(0), reward.id())).unlocked().get(0);
    String key = RewardService.POINTS_KEY_PREFIX + earned.id();

    Object answer = whileAHostHoldsAKey(scope,
        hosted -> hosted.points().award(w.ref(1), PointsChange.of(7, "purchase").withIdempotencyKey(key)),
        () -> scope.rewards().approve(earned.id(), false));
    assertConflictOn("earnedRewardId", answer);
    assertEquals(EarnedRewardStatus.PENDING, scope.rewards().getEarned(earned.id()).status(), "still PENDING");
    assertBalanceIsTheLedger(scope, w.ref(0), 0);
    assertBalanceIsTheLedger(scope, w.ref(1), 7);
  }

  @Test
  void aReversalWhoseKeyAHostTakesMeanwhileIsAConflictOnOrderIdThatChangesNothing() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.referrals().configure(ReferralSettings.defaults(w.campaignId)
        .withConversionPoints(ConversionPoints.fixed(25)));
    String code = scope.referrals().codes(w.ref(0)).signed();
    Conversion converted = scope.referrals().convert(w.campaignId, new NewConversion(code, "order-1",
        BigDecimal.TEN)).conversion();
    String key = ReferralService.REVERSAL_KEY_PREFIX + converted.id();

    Object answer = whileAHostHoldsAKey(scope,
        hosted -> hosted.points().award(w.ref(1), PointsChange.of(7, "purchase").withIdempotencyKey(key)),
        () -> scope.referrals().reverse(w.campaignId, "order-1"));
    assertConflictOn("orderId", answer);
    assertEquals(ConversionStatus.CONVERTED, scope.referrals().convert(w.campaignId,
        new NewConversion(code, "order-1", BigDecimal.TEN)).conversion().status(), "not reversed");
    assertBalanceIsTheLedger(scope, w.ref(0), 25);
    assertBalanceIsTheLedger(scope, w.ref(1), 7);
  }
}
