package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.coupons.CouponAssignment;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Coupon assignments racing on one campaign's pool, on one backend per subclass: an upload giving codes to waiting
 * rewards, an approval finding the pool empty, or a referred signup of an existing participant (which locks the
 * campaign row, the pool's lock, against cycles), against an approval of the same participant that holds its lock
 * and takes the pool's. Each takes the participants' locks before the pool's, so one waits for the other instead of
 * the two deadlocking (the store would fail one of them; a host transaction, never retried, would see
 * STORAGE_UNAVAILABLE). Host transactions hold both sides uncommitted, so who waits for whom is fixed with no timing
 * assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CouponLockOrderTestBase extends HostTransactionTestBase {
  @Test
  void anUploadGivingACodeToAWaitingRewardWaitsForItsParticipantRatherThanDeadlockWithItsApproval()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
    ParticipantRef p = w.ref(0);
    EarnedReward waiting = scope.rewards().recordAction(LoyaltyAction.of(p, coupon.id())).unlocked().get(0);
    Object approval;
    Object upload;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      // The first host holds the participant's lock.
      hosted.points().award(p, PointsChange.of(5, "purchase"));
      // The upload must wait for that lock to write the waiting reward's coupon.assigned event.
      Future<Object> uploading = pool.submit(answer(() -> scope.joining(second.transaction()).coupons()
          .upload(w.campaignId, List.of("X-1", "X-2"))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      // An action of the same participant approves another COUPON reward; the pool looks empty, so it takes the
      // pool's lock to look again.
      approval = answer(() -> hosted.rewards().recordAction(LoyaltyAction.of(p, coupon.id()))).call();
      finish(first, approval);
      upload = uploading.get(60, TimeUnit.SECONDS);
      finish(second, upload);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(approval instanceof ActionResult, "the approval went through: " + approval);
    assertTrue(upload instanceof CouponUpload, "the upload went through: " + upload);
    assertEquals(2, ((CouponUpload) upload).assignedToWaiting(), "both waiting rewards got a code");
    assertNotNull(scope.rewards().getEarned(waiting.id()).couponCode());
    assertNotNull(scope.rewards().getEarned(((ActionResult) approval).unlocked().get(0).id()).couponCode());
  }

  @Test
  void anUploadMeetingARewardThatBeganWaitingAfterItReadTheWaitingOnesDoesNotDeadlockWithThatParticipant()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
    ParticipantRef early = w.ref(0);
    ParticipantRef late = w.ref(1);
    EarnedReward waitingEarly = scope.rewards().recordAction(LoyaltyAction.of(early, coupon.id())).unlocked().get(0);
    Object approval;
    Object upload;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx holdingEarly = fixture.hostTransactions().orElseThrow().begin();
        HostTx uploading = fixture.hostTransactions().orElseThrow().begin();
        HostTx holdingLate = fixture.hostTransactions().orElseThrow().begin()) {
      scope.joining(holdingEarly.transaction()).points().award(early, PointsChange.of(5, "purchase"));
      // The upload has read the waiting rewards (the early participant's) and waits for that participant's lock,
      // before the pool's. The upload runs in a host transaction, never retried, so a deadlock the store breaks
      // surfaces as a refusal.
      Future<Object> uploaded = pool.submit(answer(() -> scope.joining(uploading.transaction()).coupons()
          .upload(w.campaignId, List.of("X-1", "X-2"))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      // Meanwhile the late participant's reward finds the pool empty and begins waiting.
      EarnedReward waitingLate = scope.rewards().recordAction(LoyaltyAction.of(late, coupon.id())).unlocked().get(0);
      TenantScope hosted = scope.joining(holdingLate.transaction());
      hosted.points().award(late, PointsChange.of(5, "purchase"));
      holdingEarly.commit();
      // The upload goes on and meets the late participant's lock, which the host holds.
      JdbcLockWaits.awaitASessionBlockedBy(fixture, ((JdbcHostTransaction) holdingLate.transaction()).connection());
      // An action of the late participant approves another COUPON reward; the pool looks empty (the upload's codes
      // are not committed), so it takes the pool's lock to look again.
      approval = answer(() -> hosted.rewards().recordAction(LoyaltyAction.of(late, coupon.id()))).call();
      finish(holdingLate, approval);
      upload = uploaded.get(60, TimeUnit.SECONDS);
      finish(uploading, upload);
      assertTrue(approval instanceof ActionResult, "the approval went through: " + approval);
      assertTrue(upload instanceof CouponUpload, "the upload went through: " + upload);
      assertEquals(2, ((CouponUpload) upload).assignedToWaiting(), "the two oldest waiting rewards got a code");
      assertNotNull(scope.rewards().getEarned(waitingEarly.id()).couponCode());
      assertNotNull(scope.rewards().getEarned(waitingLate.id()).couponCode());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anApprovalFindingThePoolEmptyWhileAnUploadHoldsItTakesTheUploadedCodeOnceTheUploadCommits()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
    ParticipantRef p = w.ref(0);
    Object approval;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx uploading = fixture.hostTransactions().orElseThrow().begin()) {
      // No reward waits yet: the upload gives no code, and holds the pool's lock with its code uncommitted.
      CouponUpload upload = scope.joining(uploading.transaction()).coupons().upload(w.campaignId, List.of("X-1"));
      assertEquals(0, upload.assignedToWaiting());
      // The action's approval finds the pool empty (the code is not committed) and takes the pool's lock to look
      // again, waiting for the upload.
      Future<Object> approving = pool.submit(answer(() -> scope.rewards().recordAction(LoyaltyAction.of(p,
          coupon.id()))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      uploading.commit();
      approval = approving.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    // Had it not looked again, the reward would wait for a code while the pool holds a free one, which no upload
    // would give it until the next.
    assertTrue(approval instanceof ActionResult, "the approval went through: " + approval);
    EarnedReward earned = scope.rewards().getEarned(((ActionResult) approval).unlocked().get(0).id());
    assertEquals("X-1", earned.couponCode(), "the approval saw the uploaded code: " + earned);
    assertNull(earned.waitingReason());
    assertEquals(0, scope.coupons().remaining(w.campaignId));
  }

  @Test
  void aManualApprovalFindingThePoolEmptyWaitsForItsParticipantRatherThanDeadlockWithAnother() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.rewards().configure(w.campaignId, Automation.MANUAL, 0);
    CampaignReward coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
    ParticipantRef p = w.ref(0);
    long one = scope.rewards().recordAction(LoyaltyAction.of(p, coupon.id())).unlocked().get(0).id();
    long two = scope.rewards().recordAction(LoyaltyAction.of(p, coupon.id())).unlocked().get(0).id();
    Object approvedFirst;
    Object approvedSecond;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      // The first host holds the participant's lock.
      hosted.points().award(p, PointsChange.of(5, "purchase"));
      // This approval finds the pool empty and must wait for that lock to write its coupon.pool_empty event.
      Future<Object> approving = pool.submit(answer(() -> scope.joining(second.transaction()).rewards()
          .approve(two, false)));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      // The host, holding the participant, approves the other reward and takes the pool's lock to look again.
      approvedFirst = answer(() -> hosted.rewards().approve(one, false)).call();
      finish(first, approvedFirst);
      approvedSecond = approving.get(60, TimeUnit.SECONDS);
      finish(second, approvedSecond);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(approvedFirst instanceof EarnedReward, "the host's approval went through: " + approvedFirst);
    assertTrue(approvedSecond instanceof EarnedReward, "the other approval went through: " + approvedSecond);
    for (long id : List.of(one, two)) {
      EarnedReward r = scope.rewards().getEarned(id);
      assertEquals(EarnedRewardStatus.APPROVED, r.status());
      assertEquals(CouponAssignment.POOL_EMPTY_REASON, r.waitingReason());
    }
  }

  @Test
  void aSignupOfAnExistingParticipantWaitsForItsReferrerRatherThanDeadlockWithTheReferrersApproval()
      throws Exception {
    signupRacingAnApproval(0);
  }

  @Test
  void aSignupOfAnExistingParticipantWaitsForThatParticipantRatherThanDeadlockWithItsApproval() throws Exception {
    signupRacingAnApproval(1);
  }

  /**
   * A host holds the lock of participant {@code held} (0, the referrer; 1, the invited) while a referred signup of
   * participant 1, already enrolled, by participant 0's code, runs in another host transaction and waits for it;
   * the host then records an action of {@code held} that approves a COUPON reward, finds the pool empty and takes
   * the pool's lock, the campaign row that such a signup locks to check for cycles.
   */
  private void signupRacingAnApproval(int held) throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward coupon = scope.rewards().define(w.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
    String code = scope.referrals().codes(w.ref(0)).legacy();
    ParticipantRef p = w.ref(held);
    Object approval;
    Object signup;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      // The first host holds the participant's lock.
      hosted.points().award(p, PointsChange.of(5, "purchase"));
      // The signup must wait for that lock: it locks the referrer, and writes the invited's risk.
      Future<Object> signingUp = pool.submit(answer(() -> scope.joining(second.transaction()).referrals()
          .signup(w.campaignId, Signup.referred(NewParticipant.withEmail("p1@example.com"), code))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      // An action of the same participant approves a COUPON reward; the pool is empty, so it takes the pool's lock
      // to look again.
      approval = answer(() -> hosted.rewards().recordAction(LoyaltyAction.of(p, coupon.id()))).call();
      finish(first, approval);
      signup = signingUp.get(60, TimeUnit.SECONDS);
      finish(second, signup);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(approval instanceof ActionResult, "the approval went through: " + approval);
    assertTrue(signup instanceof SignupResult, "the signup went through: " + signup);
    assertEquals(ReferralOutcome.REFERRED, ((SignupResult) signup).outcome());
    EarnedReward waiting = scope.rewards().getEarned(((ActionResult) approval).unlocked().get(0).id());
    assertEquals(CouponAssignment.POOL_EMPTY_REASON, waiting.waitingReason());
  }
}
