package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.coupons.CouponAssignment;
import io.loyaltyengine.core.spi.EarnedRewardPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A coupon upload in its last lock round racing the deletion of the participant of a reward that began waiting for a
 * code after the upload read the waiting ones, on one backend per subclass. Campaign rewards cannot be deleted; an
 * earned reward goes only with its participant ({@code Participants.delete}, which keeps the codes assigned before
 * it). The last round locks such a late waiter's participant after the pool's, as met; the race is with what the
 * deletion holds and deletes. In every order the upload must either give the reward its code before the deletion
 * (which then deletes the reward and keeps the code assigned) or find it deleted and leave the code free: never a
 * code given to a reward that no longer exists, never a deadlock that the store breaks (a host's transaction, never
 * retried, would see STORAGE_UNAVAILABLE; the engine's own would run again).
 *
 * <p>Three participants, each with one reward that began waiting after the upload's read in round one, two and
 * three: the first two rounds end early ({@code CouponAssignment.LateWaiter}), so the third is the last. The upload
 * runs in the engine's own transactions, paused at its reads of the waiting rewards; the other side runs in host
 * transactions, which on H2 do not wait for the engine's transaction to end. Needs two transactions at once, so it
 * runs on the SQL stores (the in-memory store runs one at a time).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CouponUploadDeletionRaceTestBase extends HostTransactionTestBase {
  private static final List<String> CODES = List.of("X-1", "X-2", "X-3");

  /** The thread of the upload, whose reads of the waiting rewards are counted and may pause. */
  private volatile Thread uploader;
  /** The upload's reads of the waiting rewards so far (two per round: before the pool's lock, and to assign). */
  private final AtomicInteger waitingReads = new AtomicInteger();
  /** Pauses after the upload's n-th read of the waiting rewards (counted from 1). */
  private final Map<Integer, Pause> pauses = new ConcurrentHashMap<>();
  /** The upload's units of work that the store failed with a transient failure (a broken deadlock), then retried. */
  private final AtomicInteger broken = new AtomicInteger();

  private TenantScope scope;
  private World world;
  private CampaignReward coupon;

  @BeforeEach
  final void build() {
    LoyaltyEngine engine = engines.build(engines.builder(pausingWaitingReads((Storage) fixture.openStorage()), 0));
    world = new World(engine, 3);
    scope = engine.forTenant(world.tenantId);
    coupon = scope.rewards().define(world.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
  }

  /**
   * The deletion takes the late waiter's participant's lock (a host holds it) before the last round gives that
   * reward a code: the upload waits for the deletion rather than holding the reward's row while it waits (the
   * deletion then waits for that row: a deadlock), finds the participant deleted, and leaves the third code free.
   */
  @Test
  void anUploadsLastRoundWaitsForADeletionHoldingALateWaitersParticipantAndLeavesItsCodeFree() throws Exception {
    Object deletion;
    Object upload;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx deleting = fixture.hostTransactions().orElseThrow().begin()) {
      Future<Object> uploading = startUpload(pool, CODES, 1, 3, 5);
      EarnedReward late = lateWaitersOfRoundsOneAndTwoThenThree();
      // The host holds the third participant's lock, as a deletion does from its start.
      TenantScope hosted = scope.joining(deleting.transaction());
      hosted.points().award(world.ref(2), PointsChange.of(5, "purchase"));
      pauses.get(5).release();
      // The last round reaches the late waiter and waits for its participant.
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      deletion = answer(() -> {
        hosted.participants().delete(world.ref(2));
        return "deleted";
      }).call();
      finish(deleting, deletion);
      upload = uploading.get(60, TimeUnit.SECONDS);
      assertUploadLeftTheDeletedRewardsCodeFree(deletion, upload, late);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The deletion commits after the last round read the waiting rewards, the late waiter's among them, and before it
   * gives that reward a code: the upload finds the participant deleted and leaves the code free, where giving it to
   * the deleted reward would take it from the pool for no one.
   */
  @Test
  void anUploadsLastRoundLeavesFreeTheCodeOfALateWaiterDeletedAfterItReadTheWaitingRewards() throws Exception {
    Object deletion;
    Object upload;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Object> uploading = startUpload(pool, CODES, 1, 3, 5, 6);
      EarnedReward late = lateWaitersOfRoundsOneAndTwoThenThree();
      pauses.get(5).release();
      // The last round has locked the pool and read the waiting rewards, the late one among them.
      pauses.get(6).awaitReached("the last round read the waiting rewards");
      deletion = inHost(hosted -> {
        hosted.participants().delete(world.ref(2));
        return "deleted";
      });
      pauses.get(6).release();
      upload = uploading.get(60, TimeUnit.SECONDS);
      assertUploadLeftTheDeletedRewardsCodeFree(deletion, upload, late);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * With no code left for the late waiter, the last round does not take its participant's lock after the pool's (as
   * before it locked participants before codes): it ends while a host holds that participant, where waiting for it
   * could deadlock with an approval of that participant that waits for the pool's lock.
   */
  @Test
  void anUploadsLastRoundWithNoCodeLeftForALateWaiterDoesNotWaitForItsParticipant() throws Exception {
    Object upload;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx holding = fixture.hostTransactions().orElseThrow().begin()) {
      Future<Object> uploading = startUpload(pool, CODES.subList(0, 2), 1, 3, 5);
      EarnedReward late = lateWaitersOfRoundsOneAndTwoThenThree();
      scope.joining(holding.transaction()).points().award(world.ref(2), PointsChange.of(5, "purchase"));
      pauses.get(5).release();
      // The upload must end while the host holds the participant: nothing else can make it wait.
      while (!uploading.isDone()) {
        assertEquals(0, JdbcLockWaits.sessionsBlockedOnALock(fixture), "the upload waits for the participant");
        Thread.onSpinWait();
      }
      upload = uploading.get();
      holding.commit();
      CouponUpload uploaded = assertInstanceOf(CouponUpload.class, upload, () -> "the upload: " + upload);
      assertEquals(2, uploaded.assignedToWaiting(), "the two oldest waiting rewards got the two codes");
      assertEquals(CouponAssignment.POOL_EMPTY_REASON, scope.rewards().getEarned(late.id()).waitingReason());
      assertEquals(0, broken.get(), "units of work of the upload failed transiently");
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Starts the upload of {@code codes} on {@code pool}'s thread, to pause after each of its {@code pausedReads} of
   * the waiting rewards; its answer, a result or a refusal.
   */
  private Future<Object> startUpload(ExecutorService pool, List<String> codes, int... pausedReads) {
    for (int read : pausedReads) {
      pauses.put(read, new Pause());
    }
    return pool.submit(answer(() -> {
      uploader = Thread.currentThread();
      return scope.coupons().upload(world.campaignId, codes);
    }));
  }

  /**
   * Makes a reward of participant 0, then 1, begin waiting after the upload's first read of rounds one and two (reads
   * 1 and 3), so that each round meets a late waiter and the third is the last; then, paused after the first read of
   * the last round (read 5, left for the caller to release), participant 2's. Returns participant 2's reward.
   */
  private EarnedReward lateWaitersOfRoundsOneAndTwoThenThree() throws Exception {
    for (int round = 0; round < 2; round++) {
      Pause read = pauses.get(2 * round + 1);
      read.awaitReached("round " + (round + 1) + " read the waiting rewards");
      beginWaiting(round);
      read.release();
    }
    pauses.get(5).awaitReached("the last round read the waiting rewards");
    return beginWaiting(2);
  }

  /**
   * An action of participant {@code i} unlocks a COUPON reward, approved at once, in a host transaction that
   * commits: the pool holds no committed code, so the reward begins waiting.
   */
  private EarnedReward beginWaiting(int i) throws Exception {
    EarnedReward reward = (EarnedReward) inHost(hosted -> hosted.rewards()
        .recordAction(LoyaltyAction.of(world.ref(i), coupon.id())).unlocked().get(0));
    assertEquals(CouponAssignment.POOL_EMPTY_REASON, reward.waitingReason(), "participant " + i + "'s reward waits");
    return reward;
  }

  /** Runs {@code change} in a host transaction of its own and commits it; returns what the change returned. */
  private Object inHost(Function<TenantScope, Object> change) {
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      Object changed = change.apply(scope.joining(host.transaction()));
      host.commit();
      return changed;
    }
  }

  /**
   * Both went through, without a deadlock broken by the store; the two rewards that remain got the two lowest codes,
   * each once, with a {@code coupon.assigned} event each; the deleted one got none, and the third code is free.
   */
  private void assertUploadLeftTheDeletedRewardsCodeFree(Object deletion, Object upload, EarnedReward late)
      throws Exception {
    assertEquals("deleted", deletion, "the deletion went through");
    CouponUpload uploaded = assertInstanceOf(CouponUpload.class, upload, () -> "the upload: " + upload);
    assertEquals(0, broken.get(), "units of work of the upload failed transiently (a deadlock the store broke)");
    assertEquals(3, uploaded.added());
    assertEquals(2, uploaded.assignedToWaiting(), "only the rewards that remain got a code");
    assertEquals(1, scope.coupons().remaining(world.campaignId), "the deleted reward's code is free");
    List<AssignedCoupon> assigned = scope.coupons().assigned(world.campaignId, Keyset.first(10)).items();
    assertEquals(List.of("X-1", "X-2"), assigned.stream().map(AssignedCoupon::code).sorted().toList());
    for (AssignedCoupon a : assigned) {
      assertEquals(a.code(), scope.rewards().getEarned(a.earnedRewardId()).couponCode(),
          "the reward holds the code assigned to it");
      assertFalse(a.participantId() == world.participants.get(2), "a code went to the deleted participant");
    }
    LoyaltyException gone = assertInstanceOf(LoyaltyException.class,
        answer(() -> scope.rewards().getEarned(late.id())).call());
    assertEquals(ErrorCode.NOT_FOUND, gone.code(), gone.toString());
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM coupon_code WHERE earned_reward_id = ?", late.id()),
        "no code is held by the deleted reward");
    assertEquals(2, fixture.count("SELECT COUNT(*) FROM event_outbox WHERE type = 'coupon.assigned'"
        + " AND campaign_id = ?", world.campaignId));
  }

  /**
   * The store under the engine: the upload's thread pauses after its n-th read of the waiting rewards when a
   * {@link Pause} is set for n, and its units of work that fail transiently are counted.
   */
  private Storage pausingWaitingReads(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      @Override
      public EarnedRewardPort earnedRewards() {
        return InterceptingStorage.intercept(EarnedRewardPort.class, tx.earnedRewards(), (method, args, port) -> {
          Object result = InterceptingStorage.invoke(method, port, args);
          if (method.getName().equals("waitingForCoupon") && Thread.currentThread() == uploader) {
            Pause pause = pauses.get(waitingReads.incrementAndGet());
            if (pause != null) {
              pause.here();
            }
          }
          return result;
        });
      }
    }) {
      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        try {
          return super.inTransaction(work);
        } catch (TransientStorageException e) {
          if (Thread.currentThread() == uploader) {
            broken.incrementAndGet();
          }
          throw e;
        }
      }
    };
  }
}
