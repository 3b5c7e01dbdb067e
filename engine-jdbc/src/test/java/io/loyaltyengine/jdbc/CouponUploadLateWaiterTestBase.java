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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * A coupon upload meeting a reward that began waiting for a code after the upload read the waiting ones (a "late
 * waiter"), on one backend per subclass: the upload holds the pool's lock by then, and the late waiter's participant
 * was not locked before it. The upload locks that participant only if no other transaction holds it; otherwise it
 * is undone and runs again with the participant locked first. The other side holds the participant: its deletion
 * (campaign rewards cannot be deleted; an earned reward goes only with its participant, {@code Participants.delete},
 * which keeps the codes assigned before it), or an approval of another reward of that participant that found the pool
 * empty and waits for the pool's lock. In every order the upload must either give the reward its code or find it
 * deleted and leave the code free: never a code given to a reward that no longer exists, never a deadlock that the
 * store breaks (a host's transaction, never retried, would see STORAGE_UNAVAILABLE; the engine's own would run
 * again).
 *
 * <p>The upload runs in the engine's own transactions, paused at its reads of the waiting rewards (two per round:
 * before the pool's lock, and to assign); the other side runs in host transactions, which on H2 do not wait for the
 * engine's transaction to end. Needs two transactions at once, so it runs on the SQL stores (the in-memory store runs
 * one at a time).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CouponUploadLateWaiterTestBase extends HostTransactionTestBase {
  private static final List<String> CODES = List.of("X-1", "X-2", "X-3");

  /** The thread of the upload, whose reads of the waiting rewards are counted and may pause. */
  private volatile Thread uploader;
  /** The upload's reads of the waiting rewards so far (two per round: before the pool's lock, and to assign). */
  private final AtomicInteger waitingReads = new AtomicInteger();
  /** Pauses after the upload's n-th read of the waiting rewards (counted from 1). */
  private final Map<Integer, Pause> pauses = new ConcurrentHashMap<>();
  /** The upload's units of work that the store failed with a transient failure (a broken deadlock), then retried. */
  private final AtomicInteger broken = new AtomicInteger();
  /** The upload's answer, a result or a refusal. */
  private Future<Object> uploading;

  private TenantScope scope;
  private World world;
  private CampaignReward coupon;

  @BeforeEach
  final void build() {
    LoyaltyEngine engine = engines.build(engines.builder(pausingWaitingReads((Storage) fixture.openStorage()), 0));
    world = new World(engine, 5);
    scope = engine.forTenant(world.tenantId);
    coupon = scope.rewards().define(world.campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited());
  }

  /**
   * A host holds the late waiter's participant, as a deletion does from its start, when the upload reaches that
   * reward: the upload does not wait for it while it holds the pool's lock (the deletion then waited for the reward's
   * row: a deadlock), but runs again and waits for it before the pool's; it then finds the participant deleted and
   * leaves the third code free.
   */
  @Test
  void anUploadRunsAgainRatherThanWaitForALateWaitersParticipantThatADeletionHolds() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx deleting = fixture.hostTransactions().orElseThrow().begin()) {
      EarnedReward late = waitingThenOneLate(pool, CODES, 1);
      TenantScope hosted = scope.joining(deleting.transaction());
      hosted.points().award(world.ref(2), PointsChange.of(5, "purchase"));
      pauses.get(1).release();
      // The second round locks the participants of the waiting rewards, the late one's among them, and waits.
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      Object deletion = answer(() -> {
        hosted.participants().delete(world.ref(2));
        return "deleted";
      }).call();
      finish(deleting, deletion);
      Object upload = uploading.get(60, TimeUnit.SECONDS);
      assertEquals(4, waitingReads.get(), "the upload ran two rounds");
      assertUploadLeftTheDeletedRewardsCodeFree(deletion, upload, late);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The deletion commits after the upload read the waiting rewards to assign codes, the late waiter's among them,
   * and before it gives that reward a code: the upload finds the participant deleted and leaves the code free, where
   * giving it to the deleted reward would take it from the pool for no one.
   */
  @Test
  void anUploadLeavesFreeTheCodeOfALateWaiterDeletedAfterItReadTheWaitingRewards() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      EarnedReward late = waitingThenOneLate(pool, CODES, 1, 2);
      pauses.get(1).release();
      // The upload has locked the pool and read the waiting rewards, the late one among them.
      pauses.get(2).awaitReached("the upload read the waiting rewards to assign codes");
      Object deletion = inHost(hosted -> {
        hosted.participants().delete(world.ref(2));
        return "deleted";
      });
      pauses.get(2).release();
      Object upload = uploading.get(60, TimeUnit.SECONDS);
      assertEquals(2, waitingReads.get(), "the upload ran one round");
      assertUploadLeftTheDeletedRewardsCodeFree(deletion, upload, late);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * With no code left for the late waiter, the upload does not try to lock its participant after the pool's, nor
   * run again: it ends while a host holds that participant.
   */
  @Test
  void anUploadWithNoCodeLeftForALateWaiterDoesNotWaitForItsParticipant() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx holding = fixture.hostTransactions().orElseThrow().begin()) {
      EarnedReward late = waitingThenOneLate(pool, CODES.subList(0, 2), 1);
      scope.joining(holding.transaction()).points().award(world.ref(2), PointsChange.of(5, "purchase"));
      pauses.get(1).release();
      // The upload must end while the host holds the participant: nothing else can make it wait.
      while (!uploading.isDone()) {
        assertEquals(0, JdbcLockWaits.sessionsBlockedOnALock(fixture), "the upload waits for the participant");
        Thread.onSpinWait();
      }
      Object upload = uploading.get();
      holding.commit();
      CouponUpload uploaded = assertInstanceOf(CouponUpload.class, upload, () -> "the upload: " + upload);
      assertEquals(2, uploaded.assignedToWaiting(), "the two oldest waiting rewards got the two codes");
      assertEquals(CouponAssignment.POOL_EMPTY_REASON, scope.rewards().getEarned(late.id()).waitingReason());
      assertEquals(2, waitingReads.get(), "the upload ran one round");
      assertEquals(0, broken.get(), "units of work of the upload failed transiently");
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A host's transaction holds the late waiter's participant and approves another reward of it, which finds the pool
   * empty (the upload's codes are not committed) and waits for the pool's lock that the upload holds. Waiting for
   * that participant, the upload closed a cycle: the store failed one side, here the host's approval with
   * STORAGE_UNAVAILABLE. The upload runs again instead; the approval goes on, finds the pool still empty and records
   * that its reward waits; the upload's second round, with the participant locked first, gives the late waiter the
   * last code, oldest first.
   */
  @Test
  void anUploadRunsAgainRatherThanWaitForALateWaitersParticipantWhoseApprovalWaitsForThePool() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      EarnedReward late = waitingThenOneLate(pool, CODES, 1, 2);
      pauses.get(1).release();
      pauses.get(2).awaitReached("the upload read the waiting rewards to assign codes");
      Future<Object> approving = pool.submit(answer(() -> inHost(hosted -> hosted.rewards()
          .recordAction(LoyaltyAction.of(world.ref(2), coupon.id())).unlocked().get(0))));
      // The approval holds the participant and waits for the pool's lock.
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      pauses.get(2).release();
      Object approval = approving.get(60, TimeUnit.SECONDS);
      Object upload = uploading.get(60, TimeUnit.SECONDS);
      EarnedReward approved = assertInstanceOf(EarnedReward.class, approval, () -> "the approval: " + approval);
      assertEquals(CouponAssignment.POOL_EMPTY_REASON, approved.waitingReason(), "the approval found no code");
      CouponUpload uploaded = assertInstanceOf(CouponUpload.class, upload, () -> "the upload: " + upload);
      assertEquals(0, broken.get(), "units of work of the upload failed transiently (a deadlock the store broke)");
      assertEquals(3, uploaded.added());
      assertEquals(3, uploaded.assignedToWaiting(), "the two rewards waiting before and the late one got codes");
      assertEquals(0, scope.coupons().remaining(world.campaignId));
      assertEquals(4, waitingReads.get(), "the upload ran two rounds");
      assertEquals(List.of(late.id()), assignedTo(2), "participant 2's oldest reward got the last code");
      assertEquals(CouponAssignment.POOL_EMPTY_REASON, scope.rewards().getEarned(approved.id()).waitingReason());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * In each of three rounds the upload meets a late waiter whose participant a host holds: it gives up with
   * CONFLICT (no field) rather than run for ever, and stores nothing.
   */
  @Test
  void anUploadMeetingAHeldLateWaiterInEachOfThreeRoundsIsAConflictAndStoresNothing() throws Exception {
    beginWaiting(0);
    beginWaiting(1);
    List<String> codes = List.of("X-1", "X-2", "X-3", "X-4", "X-5");
    for (int read : new int[] {1, 3, 5}) {
      pauses.put(read, new Pause());
    }
    ExecutorService pool = Executors.newSingleThreadExecutor();
    List<HostTx> holders = new ArrayList<>();
    try {
      uploading = pool.submit(answer(() -> {
        uploader = Thread.currentThread();
        return scope.coupons().upload(world.campaignId, codes);
      }));
      for (int round = 0; round < 3; round++) {
        Pause read = pauses.get(2 * round + 1);
        read.awaitReached("round " + (round + 1) + " read the waiting rewards to lock their participants");
        beginWaiting(2 + round);
        HostTx holder = fixture.hostTransactions().orElseThrow().begin();
        holders.add(holder);
        scope.joining(holder.transaction()).points().award(world.ref(2 + round), PointsChange.of(5, "purchase"));
        if (round > 0) {
          // This round locks the last round's late waiter's participant first: let it.
          holders.get(round - 1).commit();
        }
        read.release();
      }
      Object upload = uploading.get(60, TimeUnit.SECONDS);
      LoyaltyException refused = assertInstanceOf(LoyaltyException.class, upload, () -> "the upload: " + upload);
      assertEquals(ErrorCode.CONFLICT, refused.code(), refused.toString());
      assertEquals(Optional.empty(), refused.field(), refused.toString());
      holders.get(2).commit();
      assertEquals(0, scope.coupons().remaining(world.campaignId), "no code was stored");
      assertEquals(List.of(), scope.coupons().assigned(world.campaignId, Keyset.first(10)).items());
      assertEquals(6, waitingReads.get(), "three rounds");
      assertEquals(0, broken.get(), "units of work of the upload failed transiently");
    } finally {
      holders.forEach(HostTx::close);
      pool.shutdownNow();
    }
  }

  /** The earned rewards of participant {@code i} that hold a code. */
  private List<Long> assignedTo(int i) {
    return scope.coupons().assigned(world.campaignId, Keyset.first(10)).items().stream()
        .filter(a -> a.participantId() == world.participants.get(i))
        .map(AssignedCoupon::earnedRewardId)
        .toList();
  }

  /**
   * Makes rewards of participants 0 and 1 wait for a code, then starts the upload of {@code codes} on {@code pool}'s
   * thread (its answer, a result or a refusal, in {@link #uploading}), to pause after each of its {@code pausedReads}
   * of the waiting rewards; once it paused after the first (left for the caller to release), a reward of participant
   * 2 begins waiting: a late waiter, whose participant the upload did not lock. Returns that reward.
   */
  private EarnedReward waitingThenOneLate(ExecutorService pool, List<String> codes, int... pausedReads)
      throws Exception {
    beginWaiting(0);
    beginWaiting(1);
    for (int read : pausedReads) {
      pauses.put(read, new Pause());
    }
    uploading = pool.submit(answer(() -> {
      uploader = Thread.currentThread();
      return scope.coupons().upload(world.campaignId, codes);
    }));
    pauses.get(1).awaitReached("the upload read the waiting rewards to lock their participants");
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
