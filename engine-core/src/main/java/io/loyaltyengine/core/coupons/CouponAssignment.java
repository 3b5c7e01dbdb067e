package io.loyaltyengine.core.coupons;

import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.rewards.RewardJson;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Gives an approved COUPON reward the next free code of its campaign's pool, inside the unit of work that approves
 * it (or that uploads codes, for rewards that waited).
 *
 * <h2>Exactly once</h2>
 * The store takes the free code with the lowest id and marks it assigned in one atomic step
 * ({@link io.loyaltyengine.core.spi.CouponPort#assignNext}); a code therefore never goes to two rewards, whatever
 * runs concurrently and on however many engine instances. A reward that already holds a code is left alone, so a
 * repeated call cannot take a second one.
 *
 * <h2>Empty and low pools</h2>
 * When the pool has no free code the reward keeps its status, records the reason it waits ({@value #POOL_EMPTY_REASON})
 * and a {@code coupon.pool_empty} event is written about its participant. An upload then assigns codes to waiting
 * rewards, oldest first ({@link #assignWaiting}), each with a {@code coupon.assigned} event that carries the code to
 * the host, as {@code reward.approved} does for a code given at approval. When an assignment takes the code after which
 * the pool holds exactly the campaign's low-stock threshold of codes (0, the default, means never), a
 * {@code coupon.pool_low} event is written; it concerns the campaign, not a participant. A pool whose first code is
 * followed by fewer (a first upload of at most the threshold of codes) has no such code: the assignment of its first
 * code writes the event then, with the codes after it as {@code remaining}. So the event comes once each time the pool
 * goes from above the threshold (or from new) to at most it; a refill that leaves it at most the threshold writes
 * none, and neither does a threshold raised above what the pool holds. Codes are given out lowest id
 * first, so that many are free once the assignments before it commit; counting after the code rather than the free
 * codes keeps concurrent assignments from each counting the other's code as free and missing the threshold. Ids come
 * from the uploading engine's clock: codes uploaded by an instance whose clock is behind that of an upload a moment
 * earlier can be numbered before its codes, and the event for that stretch may then come early or not at all, or
 * twice: such a code numbered before a pool's first code becomes its first, and writes the event again.
 *
 * <p>An approval that finds the pool empty takes the pool's lock and looks again before it records that the reward
 * waits; an upload takes the same lock before it adds codes. So a concurrent upload and approval never miss each
 * other: either the approval sees the uploaded codes, or the upload sees the waiting reward.
 *
 * <p>Locks are taken participant first, then pool: an approval holds its participant's lock when it takes the pool's (a
 * loyalty action holds it for its own event, a manual approval takes it first; {@link #assign} takes it too), and an
 * upload writes each assigned reward's event under its participant's lock, so it takes the locks of the participants
 * whose rewards it can reach, in ascending id order, before the pool's ({@link #lockWaitingParticipants}). In the
 * opposite order the two would deadlock, and the store would fail one of them (a host's transaction, never retried,
 * with STORAGE_UNAVAILABLE). A reward that began waiting between that read and the pool's lock has a participant the
 * upload did not lock: the upload locks it then, after the pool's but before it takes the reward's code and row, only
 * if no other transaction holds it (an approval of that participant waiting for the pool's lock may). Otherwise the
 * upload is undone ({@link LateWaiter}) and runs again, reading the waiting rewards anew and locking their
 * participants first (see {@code CouponService}). A participant deleted meanwhile is passed over, its reward's code
 * left free.
 *
 * <p>Thread-safe: stateless.
 */
public final class CouponAssignment {
  /** The waiting reason of a reward whose campaign's pool had no free code. */
  public static final String POOL_EMPTY_REASON = "coupon pool empty";

  /** Waiting rewards read per round of an upload's assignment. */
  private static final int WAITING_BATCH = 100;

  private CouponAssignment() {
  }

  /**
   * Gives an approved COUPON reward the next free code of its campaign's pool, or records that it waits and writes
   * a {@code coupon.pool_empty} event. Writes a {@code coupon.pool_low} event when the code taken is followed by
   * exactly the campaign's low-stock threshold of codes, or is the pool's first code and followed by fewer. Does
   * nothing when the reward already holds a code.
   *
   * @param context the scope of the unit of work
   * @param tx the open unit of work
   * @param reward the approved reward, of type COUPON and of {@code context}'s tenant
   * @param threshold the campaign's coupon low-stock threshold (0: none), from the program the caller holds
   * @return the reward as stored after the call: with its code, or with the reason it waits; {@code reward} itself
   *     if it held a code already
   * @throws IllegalArgumentException if the reward is not a COUPON reward of the tenant
   */
  public static EarnedReward assign(ScopeContext context, Transaction tx, EarnedReward reward, int threshold) {
    if (reward.type() != RewardType.COUPON || reward.tenantId() != context.tenantId()) {
      throw new IllegalArgumentException("only a COUPON reward of the scope's tenant takes a coupon code");
    }
    if (reward.couponCode() != null) {
      return reward;
    }
    Optional<EarnedReward> given = tryAssign(context, tx, reward, threshold);
    if (given.isPresent()) {
      return given.get();
    }
    // Empty: look again under the pool lock, which a concurrent upload holds until it commits its codes. The
    // participant's lock first (the approvals of RewardService hold it already; taken again here for any other
    // caller): the event written below takes it, and taking it after the pool's would deadlock with an approval of
    // the same participant.
    tx.participants().lock(context.tenantId(), reward.participantId());
    tx.campaigns().lock(context.tenantId(), reward.campaignId());
    given = tryAssign(context, tx, reward, threshold);
    if (given.isPresent()) {
      return given.get();
    }
    EarnedReward waiting = stored(tx.earnedRewards().setCoupon(context.tenantId(), reward.id(), null,
        POOL_EMPTY_REASON));
    Outbox.emit(context, tx, EventType.COUPON_POOL_EMPTY, reward.campaignId(), reward.participantId(),
        poolEmptyPayload(waiting));
    return waiting;
  }

  /**
   * The reward after a change to it: the caller holds its participant's lock (it approved the reward under it, or an
   * upload took it before the reward's code), which a deletion of the participant takes before it deletes the
   * participant's rewards, so it cannot be gone.
   */
  private static EarnedReward stored(Optional<EarnedReward> changed) {
    return changed.orElseThrow(() -> new IllegalStateException("an approved reward vanished inside its unit of work"));
  }

  /**
   * Locks, in ascending id order, the participants of the campaign's rewards waiting for a code that an upload of
   * {@code codes} new codes can reach (as many as those codes and the free ones). An upload calls it before it takes
   * the pool's lock: see the class description.
   */
  static Set<Long> lockWaitingParticipants(ScopeContext context, Transaction tx, long campaignId, int codes) {
    long tenantId = context.tenantId();
    long reach = Math.min(Integer.MAX_VALUE, codes + tx.coupons().remaining(tenantId, campaignId));
    List<EarnedReward> waiting = tx.earnedRewards().waitingForCoupon(tenantId, campaignId, (int) reach);
    List<Long> participants = waiting.stream().map(EarnedReward::participantId).distinct().toList();
    if (!participants.isEmpty()) {
      tx.participants().lockAll(tenantId, participants);
    }
    return Set.copyOf(participants);
  }

  /**
   * Thrown by {@link #assignWaiting} when it would give a code to a reward whose participant another transaction
   * holds: the reward began waiting after the upload locked the waiting rewards' participants, and waiting for that
   * lock after the pool's could close a cycle. The upload's unit of work rolls back (releasing the pool's lock) and
   * the upload runs again. Carries no stack trace: it is control flow.
   */
  static final class LateWaiter extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LateWaiter() {
      super("a reward began waiting for a coupon, its participant held by another transaction", null, false, false);
    }
  }

  /**
   * Gives free codes to the campaign's approved COUPON rewards that wait for one, oldest first, until either runs
   * out, writing a {@code coupon.assigned} event with the code for each: their {@code reward.approved} event was
   * written without one. No {@code coupon.pool_empty} event is written here: the rewards left waiting already had
   * theirs.
   *
   * <p>Every reward it gives a code to has its participant locked first, so the participant's deletion, which holds
   * that lock while it deletes the participant's rewards, is either over (the reward is gone, it is not read or is
   * passed over) or waits for this unit of work. A reward whose participant is not in {@code locked} (it began
   * waiting after the upload read the waiting rewards) has it locked here, after the pool's, only if no other
   * transaction holds it ({@link io.loyaltyengine.core.spi.ParticipantPort#tryLock}): that transaction may be an
   * approval of the same participant waiting for the pool's lock, and waiting for it would deadlock. Taken after the
   * reward's code and row (for the event), the lock deadlocked with the participant's deletion, which holds the
   * participant and waits for that row; and a deletion committed in between left the code taken by a reward that no
   * longer exists.
   *
   * @param locked the participants the upload locked before the pool's
   * @return how many rewards got a code
   * @throws LateWaiter when a reward that would get a code belongs to a participant not in {@code locked} that
   *     another transaction holds
   */
  static int assignWaiting(ScopeContext context, Transaction tx, long campaignId, Set<Long> locked) {
    long tenantId = context.tenantId();
    int threshold = lowStockThreshold(context, tx, campaignId);
    Set<Long> held = new HashSet<>(locked);
    int assigned = 0;
    while (true) {
      List<EarnedReward> waiting = tx.earnedRewards().waitingForCoupon(tenantId, campaignId, WAITING_BATCH);
      int before = assigned;
      for (EarnedReward reward : waiting) {
        if (reward.couponCode() != null) {
          continue;
        }
        if (!held.contains(reward.participantId())) {
          if (tx.coupons().remaining(tenantId, campaignId) == 0) {
            // No code for it: no lock to take after the pool's.
            return assigned;
          }
          switch (tx.participants().tryLock(tenantId, reward.participantId())) {
            case LOCKED -> held.add(reward.participantId());
            // Deleted since the waiting rewards were read, with its rewards: no one to give a code to.
            case ABSENT -> {
              continue;
            }
            // Undone and run again, with this participant locked before the pool's.
            case HELD_ELSEWHERE -> throw new LateWaiter();
          }
        }
        Optional<EarnedReward> given = tryAssign(context, tx, reward, threshold);
        if (given.isEmpty()) {
          return assigned;
        }
        Outbox.emit(context, tx, EventType.COUPON_ASSIGNED, reward.campaignId(), reward.participantId(),
            RewardJson.earned(given.get(), true));
        assigned++;
      }
      // Each assigned reward leaves the waiting list, so the next round reads the ones after it; a round that
      // assigned nothing would read the same rewards again.
      if (waiting.size() < WAITING_BATCH || assigned == before) {
        return assigned;
      }
    }
  }

  /**
   * Takes the next free code for the reward and returns the reward as stored with it; empty when the pool has none.
   * The caller holds the reward's participant's lock, so the reward cannot have been deleted meanwhile.
   */
  private static Optional<EarnedReward> tryAssign(ScopeContext context, Transaction tx, EarnedReward reward,
      int threshold) {
    long tenantId = context.tenantId();
    Optional<String> code = tx.coupons().assignNext(tenantId, reward.campaignId(), reward.id(),
        reward.participantId(), context.now());
    if (code.isEmpty()) {
      return Optional.empty();
    }
    EarnedReward given = stored(tx.earnedRewards().setCoupon(tenantId, reward.id(), code.get(), null));
    // Counted after the code in the pool's order, not as free codes left: on PostgreSQL two assignments run at once
    // (SKIP LOCKED), each seeing the other's code as free, so both could count one too many and neither reach the
    // threshold (or, one committing first, both reach it). The code the threshold follows is taken by one unit of work.
    // A pool that never held more than the threshold after a code has no such code: its first code stands for it
    // (the code before it, had there been one, would have been followed by more), also taken by one unit of work.
    if (threshold > 0) {
      long after = tx.coupons().countAfter(tenantId, reward.campaignId(), code.get(), threshold + 1);
      if (after == threshold
          || after < threshold && tx.coupons().countBefore(tenantId, reward.campaignId(), code.get(), 1) == 0) {
        emitForCampaign(context, tx, EventType.COUPON_POOL_LOW, reward.campaignId(),
            poolLowPayload(reward.campaignId(), after, threshold));
      }
    }
    return Optional.of(given);
  }

  private static int lowStockThreshold(ScopeContext context, Transaction tx, long campaignId) {
    return tx.rewards().findProgram(context.tenantId(), campaignId)
        .map(RewardProgram::couponLowStockThreshold)
        .orElse(0);
  }

  /**
   * Writes an event about a campaign rather than a participant: it has no participant and no sequence, so it
   * neither waits for nor holds up any participant's events in delivery.
   */
  private static void emitForCampaign(ScopeContext context, Transaction tx, EventType type, long campaignId,
      String payload) {
    tx.events().append(new EventRecord(context.ids().nextId(), context.tenantId(), type, campaignId, null, 0,
        context.now(), Outbox.SCHEMA_VERSION, 0, payload));
  }

  /**
   * The payload of {@code coupon.pool_empty}: {@code {"earnedRewardId", "campaignId", "participantId",
   * "campaignRewardId", "cycle", "waitingReason", "earnedReward": {...}}}, the waiting reward's id a string as an
   * event's subject is. {@code earnedReward} is the waiting reward as the other earned-reward events carry it
   * ({@link RewardJson#earned}), which {@code EventType.COUPON_POOL_EMPTY} promises ("the earned reward"); the fields
   * before it are the ones the event carried first, kept for the consumers that read them. No code goes into the
   * event: events reach webhooks and logs, and a code is a bearer secret.
   */
  static String poolEmptyPayload(EarnedReward reward) {
    return EventJson.write(g -> {
      g.writeStartObject();
      EventJson.id(g, "earnedRewardId", reward.id());
      EventJson.id(g, "campaignId", reward.campaignId());
      EventJson.id(g, "participantId", reward.participantId());
      EventJson.id(g, "campaignRewardId", reward.campaignRewardId());
      g.writeNumberField("cycle", reward.cycle());
      g.writeStringField("waitingReason", POOL_EMPTY_REASON);
      g.writeFieldName("earnedReward");
      RewardJson.earnedObject(g, reward, false);
      g.writeEndObject();
    });
  }

  /**
   * The payload of {@code coupon.pool_low}: {@code {"campaignId", "remaining", "threshold"}}, {@code remaining} the
   * codes after the one assigned (the threshold, or fewer for a pool's first code).
   */
  static String poolLowPayload(long campaignId, long remaining, int threshold) {
    return EventJson.write(g -> {
      g.writeStartObject();
      EventJson.id(g, "campaignId", campaignId);
      g.writeNumberField("remaining", remaining);
      g.writeNumberField("threshold", threshold);
      g.writeEndObject();
    });
  }
}
