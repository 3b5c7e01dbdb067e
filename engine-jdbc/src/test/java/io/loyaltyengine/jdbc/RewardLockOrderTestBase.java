package io.loyaltyengine.jdbc;


import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * An earned reward's move (approval, with or without fulfilment; fulfilment; removal) racing its participant's
 * deletion, on one backend per subclass. The move writes an event about the participant, numbered under the
 * participant's row lock; the deletion holds that lock and then deletes the participant's earned rewards. Were the move
 * to update the earned reward first and take the participant's lock for the event, each would hold what the other
 * waits for (the store would fail one; a host transaction, never retried, would see STORAGE_UNAVAILABLE). The move
 * takes the participant's lock first, so it waits, and then finds the reward deleted: NOT_FOUND. Host transactions
 * hold both sides uncommitted, so who waits for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class RewardLockOrderTestBase extends HostTransactionTestBase {
  @Test
  void anApprovalOfAPointsRewardWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion()
      throws Exception {
    moveRacingTheParticipantsDeletion(NewCampaignReward.points("Points", 10, 1), List.of(), false,
        (joined, earned) -> () -> joined.rewards().approve(earned, false));
  }

  @Test
  void anApprovalAndFulfilmentWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion()
      throws Exception {
    moveRacingTheParticipantsDeletion(NewCampaignReward.message("Thanks", "Thank you", 1), List.of(), false,
        (joined, earned) -> () -> joined.rewards().approve(earned, true));
  }

  @Test
  void anApprovalOfACouponRewardTakingACodeWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion()
      throws Exception {
    moveRacingTheParticipantsDeletion(NewCampaignReward.coupon("Coupon", 1), List.of("X-1"), false,
        (joined, earned) -> () -> joined.rewards().approve(earned, false));
  }

  @Test
  void anApprovalOfACouponRewardFindingThePoolEmptyWaitsForItsParticipantRatherThanDeadlockWithTheDeletion()
      throws Exception {
    moveRacingTheParticipantsDeletion(NewCampaignReward.coupon("Coupon", 1), List.of(), false,
        (joined, earned) -> () -> joined.rewards().approve(earned, false));
  }

  @Test
  void aFulfilmentWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion() throws Exception {
    moveRacingTheParticipantsDeletion(NewCampaignReward.message("Thanks", "Thank you", 1), List.of(), true,
        (joined, earned) -> () -> joined.rewards().fulfil(earned));
  }

  @Test
  void aRemovalWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion() throws Exception {
    moveRacingTheParticipantsDeletion(NewCampaignReward.message("Thanks", "Thank you", 1), List.of(), false,
        (joined, earned) -> () -> joined.rewards().remove(earned));
  }

  /** A move of an earned reward, given the scope joining the host's transaction and the reward's id. */
  @FunctionalInterface
  private interface Move {
    Callable<?> of(TenantScope joined, long earnedRewardId);
  }

  /**
   * In a MANUAL campaign with a pool of {@code codes}, participant 0 earns {@code reward} (approved first when
   * {@code approved}). A host holds the participant's lock; {@code move} runs in another host transaction and waits
   * for it; the host then deletes the participant, which deletes the earned reward, and commits. The move must then
   * fail as NOT_FOUND.
   */
  private void moveRacingTheParticipantsDeletion(NewCampaignReward reward, List<String> codes, boolean approved,
      Move move) throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.rewards().configure(w.campaignId, Automation.MANUAL, 0);
    if (!codes.isEmpty()) {
      scope.coupons().upload(w.campaignId, codes);
    }
    CampaignReward defined = scope.rewards().define(w.campaignId, reward);
    ParticipantRef participant = w.ref(0);
    long earned = scope.rewards().recordAction(LoyaltyAction.of(participant, defined.id())).unlocked().get(0).id();
    if (approved) {
      scope.rewards().approve(earned, false);
    }
    assertChangeWaitsForTheParticipantsDeletion(scope, participant, joined -> move.of(joined, earned),
        ErrorCode.NOT_FOUND);
  }
}
