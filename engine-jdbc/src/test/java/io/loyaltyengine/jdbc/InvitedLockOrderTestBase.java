package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.coupons.CouponAssignment;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A loyalty action naming an invited participant (a referral: the invited participant earns the campaign's two-way
 * reward, and its {@code reward.reached} event is numbered under its row lock) against a host transaction that
 * holds the invited participant and then takes a lock the action holds, on one backend per subclass. The action
 * locks both participants, in ascending id order, before anything else, so it waits for the host instead of the
 * two deadlocking (the store would fail one of them; a host transaction, never retried, would see
 * STORAGE_UNAVAILABLE). Host transactions hold both sides uncommitted, so who waits for whom is fixed with no timing
 * assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class InvitedLockOrderTestBase extends HostTransactionTestBase {
  /**
   * The referrer's action approves a COUPON reward and finds the pool empty, so it takes the pool's lock (the
   * campaign row); a host holding the invited participant records an action of its own that does the same. Taking
   * the invited participant's lock only for its event, after the pool's, the referral deadlocked with the host.
   * Asserts that both went through and both COUPON rewards wait for a code.
   */
  @Test
  void aReferralApprovingACouponFromAnEmptyPoolWaitsForItsInvitedParticipantRatherThanDeadlockWithItsApproval()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
    scope.rewards().define(w.campaignId, NewCampaignReward.message("Welcome", "Welcome", 1).forInvited());
    ParticipantRef referrer = w.ref(0);
    ParticipantRef invited = w.ref(1);
    Object[] answers = whileAHostHoldsTheParticipant(scope, invited,
        joined -> () -> joined.rewards().recordAction(LoyaltyAction.of(referrer, coupon.id()).referring(invited)),
        hosted -> hosted.rewards().recordAction(LoyaltyAction.of(invited, coupon.id())));
    ActionResult approval = assertInstanceOf(ActionResult.class, answers[0], () -> "the host's action: " + answers[0]);
    ActionResult referral = assertInstanceOf(ActionResult.class, answers[1], () -> "the referral: " + answers[1]);
    assertEquals(2, referral.unlocked().size(), "the referrer's coupon and the invited's welcome");
    for (EarnedReward earned : List.of(approval.unlocked().get(0), referral.unlocked().get(0))) {
      assertEquals(CouponAssignment.POOL_EMPTY_REASON, scope.rewards().getEarned(earned.id()).waitingReason());
    }
  }

  /**
   * The host holds the invited participant, the one with the lower id, and then awards the referrer: it changes
   * the two participants in ascending id order, as the lock order asks. Taking the invited participant's lock after
   * the referrer's, the referral deadlocked with the host. Asserts that both went through.
   */
  @Test
  void aReferralLocksItsParticipantsInAscendingIdOrderRatherThanDeadlockWithAHostChangingBoth() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward thanks = scope.rewards().define(w.campaignId,
        NewCampaignReward.message("Thanks", "Thank you", 1).unlimited());
    scope.rewards().define(w.campaignId, NewCampaignReward.message("Welcome", "Welcome", 1).forInvited());
    ParticipantRef invited = w.ref(0);
    ParticipantRef referrer = w.ref(1);
    assertTrue(w.participants.get(0) < w.participants.get(1), "the invited participant has the lower id");
    Object[] answers = whileAHostHoldsTheParticipant(scope, invited,
        joined -> () -> joined.rewards().recordAction(LoyaltyAction.of(referrer, thanks.id()).referring(invited)),
        hosted -> hosted.points().award(referrer, PointsChange.of(5, "purchase")));
    assertInstanceOf(PointsResult.class, answers[0], () -> "the host's award: " + answers[0]);
    ActionResult referral = assertInstanceOf(ActionResult.class, answers[1], () -> "the referral: " + answers[1]);
    assertEquals(2, referral.unlocked().size(), "the referrer's thanks and the invited's welcome");
    assertBalanceIsTheLedger(scope, invited, 5);
    assertBalanceIsTheLedger(scope, referrer, 5);
  }
}
