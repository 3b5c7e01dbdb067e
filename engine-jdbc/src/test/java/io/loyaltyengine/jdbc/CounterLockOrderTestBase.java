package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.math.BigDecimal;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A change of a participant's counters (a recorded action's counts, a referrer's stats) racing the participant's
 * deletion, on one backend per subclass. The change writes an event about the participant, numbered under the
 * participant's row lock; the deletion holds that lock and then deletes the counters. Were the change to update the
 * counters first and take the participant's lock for its event, each would hold what the other waits for (the store
 * would fail one; a host transaction, never retried, would see STORAGE_UNAVAILABLE). The change takes the
 * participant's lock first, so it waits, and then finds the participant gone: NOT_FOUND, or, for a change naming the
 * participant by a referral code, the refusal of a code whose participant is gone. Host transactions hold both sides
 * uncommitted, so who waits for whom is fixed with no timing assumed. Each participant has counted once before,
 * so that the counters' rows exist and the change updates them. Two cases race the deletion of a second participant
 * the change names and writes rows of: a referral's invited participant, and a referred signup's enrolled
 * participant.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CounterLockOrderTestBase extends HostTransactionTestBase {
  /**
   * Two host transactions on two connections record an action of one participant toward a goal of two it is one
   * short of: the second waits for the participant the first holds. When the first commits, the second counts 3 and
   * unlocks nothing (the goal is earned once); when the first rolls back, the second counts 2 and earns the goal.
   */
  @Test
  void twoHostTransactionsRecordingTheActionThatReachesAGoalEarnItOnce() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward goal = scope.rewards().define(w.campaignId, NewCampaignReward.message("Goal", "Two", 2));
    for (boolean firstCommits : new boolean[] {true, false}) {
      ParticipantRef p = w.ref(firstCommits ? 0 : 1);
      scope.rewards().recordAction(LoyaltyAction.of(p, goal.id()));
      Object second;
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
          HostTx other = fixture.hostTransactions().orElseThrow().begin()) {
        ActionResult reached = scope.joining(first.transaction()).rewards()
            .recordAction(LoyaltyAction.of(p, goal.id()));
        assertEquals(1, reached.unlocked().size(), "the first reaches the goal");
        Future<Object> waiting = pool.submit(answer(() -> {
          ActionResult got = scope.joining(other.transaction()).rewards().recordAction(LoyaltyAction.of(p, goal.id()));
          other.commit();
          return got;
        }));
        JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
        if (firstCommits) {
          first.commit();
        } else {
          first.rollback();
        }
        second = waiting.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
      ActionResult r = assertInstanceOf(ActionResult.class, second, () -> "the second: " + second);
      assertEquals(firstCommits ? 3 : 2, r.counts().rewardAllTime());
      assertEquals(firstCommits ? 0 : 1, r.unlocked().size());
      assertEquals(1, scope.rewards().earned(p, Keyset.first(10)).items().size(), "the goal earned once");
      assertEquals(firstCommits ? 3 : 2, scope.rewards().counts(p, goal.id()).rewardAllTime());
    }
  }

  @Test
  void aRecordedActionByIdWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion() throws Exception {
    changeRacingTheParticipantsDeletion(w -> w.ref(0), (joined, s) -> () ->
        joined.rewards().recordAction(LoyaltyAction.of(s.participant, s.reward)), ErrorCode.NOT_FOUND);
  }

  @Test
  void aRecordedActionByEmailWaitsForItsParticipantRatherThanDeadlockWithTheParticipantsDeletion()
      throws Exception {
    changeRacingTheParticipantsDeletion(w -> ParticipantRef.email(w.campaignId, "p0@example.com"),
        (joined, s) -> () -> joined.rewards().recordAction(LoyaltyAction.of(s.participant, s.reward)),
        ErrorCode.NOT_FOUND);
  }

  @Test
  void aTrackedShareWaitsForItsReferrerRatherThanDeadlockWithTheReferrersDeletion() throws Exception {
    changeRacingTheParticipantsDeletion(w -> w.ref(0), (joined, s) -> () ->
        joined.referrals().track(s.campaignId, Track.share(s.code)), ErrorCode.VALIDATION_ERROR);
  }

  @Test
  void aConversionWithoutPointsWaitsForItsReferrerRatherThanDeadlockWithTheReferrersDeletion() throws Exception {
    changeRacingTheParticipantsDeletion(w -> w.ref(0), (joined, s) -> () ->
        joined.referrals().convert(s.campaignId, new NewConversion(s.code, "order-2", BigDecimal.TEN)),
        ErrorCode.VALIDATION_ERROR);
  }

  /**
   * A referred signup of a new email: it reads the code's referrer without a lock, enrols the newcomer, then locks
   * the referrer before it writes the referral and the referrer's stats. Finding the referrer gone, it is refused as
   * a code naming no participant, as the same call made after the deletion is (not NOT_FOUND on the referrer, which
   * would also tell the caller that the code had named one).
   */
  @Test
  void aReferredSignupWaitsForItsReferrerAndIsRefusedAsACodeOfNoParticipantOnceTheReferrerIsDeleted()
      throws Exception {
    changeRacingTheParticipantsDeletion(w -> w.ref(0), (joined, s) -> () -> joined.referrals().signup(s.campaignId,
        Signup.referred(NewParticipant.withEmail("newcomer@example.com"), s.code)), ErrorCode.VALIDATION_ERROR);
  }

  /**
   * A referral naming an invited participant racing the invited participant's deletion: the referrer (participant 0)
   * records a referral whose invited participant (participant 1) earns the campaign's two-way reward. The referral
   * writes the invited participant's earned reward and its event, numbered under the invited participant's row lock;
   * the deletion holds that lock and deletes the invited participant's earned rewards. The referral locks both
   * participants before it writes anything, so it waits for the lock, and then finds the invited participant gone
   * and writes nothing.
   */
  @Test
  void aReferralWaitsForItsInvitedParticipantRatherThanDeadlockWithTheInvitedParticipantsDeletion()
      throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward referrals = scope.rewards().define(w.campaignId,
        NewCampaignReward.message("Thanks", "Thank you", 1).unlimited());
    scope.rewards().define(w.campaignId, NewCampaignReward.message("Welcome", "Welcome", 1).forInvited());
    ParticipantRef invited = w.ref(1);
    assertChangeWaitsForTheParticipantsDeletion(scope, invited, joined -> () -> joined.rewards().recordAction(
        LoyaltyAction.of(w.ref(0), referrals.id()).referring(invited)), ErrorCode.NOT_FOUND);
  }

  /**
   * A referred signup of an enrolled participant racing the deletion of that participant or of its referrer: the
   * participant signed up once without a code, so its signup record exists, and signs up again with participant 0's
   * code. The signup keeps its record if absent (on H2 a MERGE, which locks the record it finds), writes the
   * participant's risk and its {@code referral.signup} event under its row lock, and the referrer's stats; the
   * deletion holds the deleted one's lock and deletes its signup record. The signup locks both participants before
   * it keeps its record, so it waits, and then finds one gone: NOT_FOUND for the participant signing up, the refusal
   * of a code naming no participant for the referrer.
   */
  @ParameterizedTest
  @EnumSource(Deleted.class)
  void aReferredSignupOfAnEnrolledParticipantWaitsForTheParticipantsItNamesRatherThanDeadlockWithTheirDeletion(
      Deleted deleted) throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    String code = scope.referrals().codes(w.ref(0)).legacy();
    NewParticipant enrolled = NewParticipant.withEmail("p1@example.com");
    scope.referrals().signup(w.campaignId, Signup.of(enrolled));
    assertChangeWaitsForTheParticipantsDeletion(scope, w.ref(deleted.participant), joined -> () ->
        joined.referrals().signup(w.campaignId, Signup.referred(enrolled, code)), deleted.refusal);
  }

  /** Who a referred signup's race deletes: the participant signing up (1) or its referrer (0). */
  enum Deleted {
    SIGNING_UP(1, ErrorCode.NOT_FOUND),
    REFERRER(0, ErrorCode.VALIDATION_ERROR);

    final int participant;
    final ErrorCode refusal;

    Deleted(int participant, ErrorCode refusal) {
      this.participant = participant;
      this.refusal = refusal;
    }
  }

  /** What a change needs: the participant as the change names it, its referral code, a reward, the campaign. */
  private record Setting(ParticipantRef participant, String code, long reward, long campaignId) {
  }

  /** A change of the participant's counters, given the scope joining the host's transaction. */
  @FunctionalInterface
  private interface Change {
    Callable<?> of(TenantScope joined, Setting setting);
  }

  /**
   * Participant 0 (named as {@code named} gives) records an action, has a share tracked and converts an order, so
   * that its counters' rows exist. A host holds the participant's lock; {@code change} runs in another host
   * transaction and waits for it; the host then deletes the participant, which deletes the counters, and commits.
   * The change must then fail as it would after the deletion: {@code refusal}.
   */
  private void changeRacingTheParticipantsDeletion(Function<World, ParticipantRef> named, Change change,
      ErrorCode refusal) throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward reward = scope.rewards().define(w.campaignId, NewCampaignReward.message("Thanks", "Thank you", 5));
    ParticipantRef participant = w.ref(0);
    String code = scope.referrals().codes(participant).legacy();
    scope.rewards().recordAction(LoyaltyAction.of(participant, reward.id()));
    scope.referrals().track(w.campaignId, Track.share(code));
    scope.referrals().convert(w.campaignId, new NewConversion(code, "order-1", BigDecimal.ONE));
    Setting setting = new Setting(named.apply(w), code, reward.id(), w.campaignId);
    assertChangeWaitsForTheParticipantsDeletion(scope, participant, joined -> change.of(joined, setting), refusal);
  }
}
