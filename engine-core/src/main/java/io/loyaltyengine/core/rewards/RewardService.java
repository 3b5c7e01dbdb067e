package io.loyaltyengine.core.rewards;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.coupons.CouponAssignment;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.LocksParticipants;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.participant.EmailAddresses;
import io.loyaltyengine.core.participant.MetadataRules;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.points.PointsRules;
import io.loyaltyengine.core.points.PointsService;
import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.CampaignTotals;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.ParticipantRewardSummary;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.rewards.Rewards;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Campaign rewards, loyalty actions and earned rewards of one tenant.
 *
 * <h2>Recording an action</h2>
 * The request is validated first (participant reference, source, metadata with the engine's limits, idempotency
 * key), without storage. One unit of work then: reads the reward and its campaign (INVITED rewards are earned
 * through referrals only, so an action cannot name one); answers a retry with the same idempotency key from the
 * stored action (same participant, reward, source and invited participant: {@code replayed = true}; otherwise
 * CONFLICT, or NOT_FOUND when the participant is not one the action could be recorded for, or the invited
 * participant not one it could name, and VALIDATION_ERROR when that is the participant itself, as without the key;
 * the metadata is not compared); resolves the
 * participant, enrolling an unknown email unless the action says not to; increments four counters (all rewards and
 * this reward, each all time and this month of the campaign's zone) and reads last month's; inserts the action with
 * the counts it produced and writes {@code action.recorded}; and unlocks what the reward's new count reaches
 * ({@link Goals}). An unlock inserts the earned reward (insert-if-absent on participant, reward and cycle), writes
 * {@code reward.reached}, and in an AUTO campaign approves it at once. A referral naming its invited participant
 * also unlocks each INVITED reward of the campaign for that participant, once.
 *
 * <p>Referrals record their actions through {@link #recordIn}, inside the signup's (or visit's) own unit of work, so
 * a referral and the rewards it unlocks commit together; a referral that fraud screening sends to review holds the
 * rewards it unlocks PENDING, also in an AUTO campaign.
 *
 * <h2>Concurrency</h2>
 * Each counter is incremented atomically in the store, so concurrent actions of one participant each see their own
 * count and every cycle has exactly one unlocking action, under any concurrency and across engine instances. Two
 * concurrent first requests that enrol the same email, or carry the same idempotency key, collide on a unique key;
 * the loser's unit of work rolls back whole and runs once more, when it finds the winner's participant or action
 * (and replays it) as a later retry would; one that enrols can lose both races in turn (the email, then the key),
 * and runs a third time. An action takes its participant's row lock, by numbering its
 * {@code action.recorded} event ({@link Outbox#sequence}), before it increments the counters: the participant's
 * deletion holds that lock while it deletes them, so taken after them it could deadlock with a deletion (a host's
 * transaction, never retried, would see STORAGE_UNAVAILABLE); taken first, the action waits and finds the participant
 * gone, NOT_FOUND. Numbering the event early costs no statement of its own.
 *
 * <h2>Earned rewards</h2>
 * A move ({@link #approve}, {@link #fulfil}, {@link #remove}) takes its participant's row lock before it updates the
 * reward: its events are numbered under that lock, and the participant's deletion holds it while it deletes the
 * rewards, so taken after the reward's row it could deadlock with a deletion (a host's transaction, never retried,
 * would see STORAGE_UNAVAILABLE). A move that waited for a deletion finds the reward gone: NOT_FOUND. Every move is a
 * compare-and-set on the status in the store: PENDING to APPROVED ({@link #approve}, or AUTO), APPROVED to FULFILLED
 * ({@link #fulfil}), PENDING to REMOVED ({@link #remove}). Any other move, or one that loses a race, is
 * INVALID_TRANSITION naming {@code status}, and its unit of work rolls back, so nothing changes. Approval gives the
 * reward in the same unit of work: POINTS are awarded through the ledger (type {@code reward}, idempotency key {@code
 * reward:<earned reward id>}, so a reward is credited at most once), a COUPON gets the next free code of the campaign's
 * pool or waits for one with a reason ({@link CouponAssignment}), CUSTOM_MESSAGE and CASH are recorded as they are, and
 * a CUSTOM reward is left to its {@link Fulfilment} handler, which runs after commit. The {@code reward.approved} event
 * follows the events of giving (points awarded, pool empty) and carries the state after it, coupon code included.
 * Approving with {@code fulfil} also fulfils in the same unit of work, or fails whole: a COUPON still waiting for a
 * code cannot be fulfilled (INVALID_TRANSITION); a CUSTOM reward approved and fulfilled at once is taken as fulfilled
 * by the caller, and its handler is not called.
 *
 * <p>Thread-safe when its context is.
 */
public final class RewardService implements Rewards {
  /** The ledger type of points given by POINTS rewards. */
  public static final String POINTS_TYPE = "reward";
  /** What the ledger idempotency key of a POINTS reward starts with; the earned reward's id follows. */
  public static final String POINTS_KEY_PREFIX = "reward:";
  private static final String OVERFLOW = "the reward's points would overflow the participant's points";
  private static final String INVITED_OVERFLOW =
      "a two-way reward's points would overflow the invited participant's points";
  /** Runs of a loyalty action: once, once more after losing the race for its email, and once after its key's. */
  private static final int ACTION_RUNS = 3;

  private final ScopeContext context;
  private final PointsService points;

  /** Creates the service. */
  public RewardService(ScopeContext context) {
    this.context = context;
    this.points = new PointsService(context);
  }

  // ==================================================================== campaign rewards and programs

  @Override
  public CampaignReward define(long campaignId, NewCampaignReward request) {
    NewCampaignReward r = RewardRules.validate(request, context.limits());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      CampaignReward reward = new CampaignReward(context.ids().nextId(), tenantId, campaignId, r.name(), r.type(),
          r.audience(), r.conversionsRequired(), r.limit(), r.points(), r.message(), r.cashAmountMinor(),
          r.currency(), r.handler(), context.now());
      tx.rewards().insert(reward);
      return reward;
    });
  }

  @Override
  public CampaignReward get(long campaignRewardId) {
    return context.transactions().runRead(tx -> requireReward(tx, campaignRewardId));
  }

  /**
   * {@inheritDoc}
   *
   * @throws LoyaltyException NOT_FOUND for a campaign that is not the tenant's
   */
  @Override
  public List<CampaignReward> list(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return List.copyOf(tx.rewards().list(tenantId, campaignId));
    });
  }

  @Override
  public RewardProgram configure(long campaignId, Automation automation, int couponLowStockThreshold) {
    TextRules.notNull("automation", automation);
    int threshold = RewardRules.lowStockThreshold(couponLowStockThreshold);
    long tenantId = context.tenantId();
    RewardProgram program = new RewardProgram(campaignId, automation, threshold);
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      tx.rewards().saveProgram(tenantId, program);
      return program;
    });
  }

  /**
   * {@inheritDoc}
   *
   * @throws LoyaltyException NOT_FOUND for a campaign that is not the tenant's
   */
  @Override
  public RewardProgram program(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return programOf(tx, tenantId, campaignId);
    });
  }

  // ==================================================================== loyalty actions

  /**
   * {@inheritDoc}
   *
   * <p>Errors: VALIDATION_ERROR on {@code action}, {@code email} (a malformed email), {@code participant} (an
   * email of another campaign than the reward's), {@code source}, {@code metadata...}, {@code idempotencyKey},
   * {@code invited} (an invited participant on an action that is not a REFERRAL, named by an email of another
   * campaign, the participant itself, or an AUTO two-way reward's points overflowing the invited participant's) or
   * {@code campaignRewardId} (an INVITED reward, or an AUTO reward's points overflowing the participant's); NOT_FOUND
   * for the reward, a participant or invited participant id of another campaign, an unknown email without enrolment,
   * or an unknown invited participant.
   */
  @Override
  public ActionResult recordAction(LoyaltyAction action) {
    ActionRequest request = ActionRequest.validate(action, context);
    // A concurrent first request enrolled the same email or used the same key and committed first: run again, now
    // finding its participant or its action, as a later retry would. A request that enrols can lose both races in
    // turn (the email to a request with another key, then its key to a retry of itself), so up to three runs.
    long tenantId = context.tenantId();
    LocksParticipants.Named participants = (tx, ids) -> {
      request.participant.addIdIfFound(tx, tenantId, ids);
      if (request.invited != null) {
        request.invited.addIdIfFound(tx, tenantId, ids);
      }
    };
    // An unlock may assign a coupon from the pool of the reward's campaign: found out only as the action counts.
    LocksParticipants<ActionResult> work = LocksParticipants.sharingRows(tenantId,
        LocksParticipants.SharedRows.campaignReward(tenantId, request.campaignRewardId), participants,
        // An AUTO reward's points overflowing the balance: on the action's reward, not on the award's "amount".
        tx -> PointsService.overflowOn("campaignRewardId", OVERFLOW, () -> record(tx, request, false, "invited")));
    return Transactions.againAfterRace(ACTION_RUNS, () -> context.transactions().runCombined(work),
        UniqueKey.PARTICIPANT_EMAIL, UniqueKey.ACTION_IDEMPOTENCY_KEY);
  }

  /**
   * Records a loyalty action inside a unit of work that is already open, for the features that count an action as
   * part of a larger change (a referral that counts, a unique visit): validates the action, then does exactly what
   * {@link #recordAction} does in its unit of work. A concurrent first request that enrols the same email or uses
   * the same idempotency key makes the unit of work fail with a
   * {@link UniqueViolationException}; the caller decides whether to run it again.
   *
   * @param holdForReview whether the rewards it unlocks stay PENDING even in an AUTO campaign (a referral sent to
   *     review by fraud screening)
   * @throws LoyaltyException as {@link #recordAction}
   */
  public ActionResult recordIn(Transaction tx, LoyaltyAction action, boolean holdForReview) {
    return record(tx, ActionRequest.validate(action, context), holdForReview, null);
  }

  /**
   * Records a validated action in {@code tx}: what {@link #recordAction} and {@link #recordIn} do in their unit of work.
   *
   * @param invitedOverflowField the field that names an overflow of the invited participant's points by a two-way
   *     reward approved at once, or null to leave it on {@code amount} for the caller to name
   */
  private ActionResult record(Transaction tx, ActionRequest a, boolean holdForReview, String invitedOverflowField) {
    long tenantId = context.tenantId();
    CampaignReward reward = requireReward(tx, a.campaignRewardId);
    if (reward.audience() == RewardAudience.INVITED) {
      throw LoyaltyException.validation("campaignRewardId",
          "a reward for invited participants is earned through referrals; record the action toward another reward");
    }
    long campaignId = reward.campaignId();
    ZoneId zone = context.campaignZones().of(tx, tenantId, campaignId);
    if (a.participant.email != null && a.participant.campaignId != campaignId) {
      throw LoyaltyException.validation("participant", "the participant's campaign is not the reward's campaign");
    }
    // Before a retry is compared: the comparison finds an invited email in the reward's campaign, whatever campaign
    // the reference names.
    if (a.invited != null && a.invited.email != null && a.invited.campaignId != campaignId) {
      throw LoyaltyException.validation("invited", "the invited participant's campaign is not the reward's");
    }
    boolean created;
    long participantId;
    Participant invited = null;
    long sequence;
    if (a.participant.email == null && a.idempotencyKey == null && a.invited == null) {
      // Nothing to check before the change: the participant is found by numbering the event, one statement that
      // takes the row lock as Outbox.sequence does (an id of another campaign is not found).
      created = false;
      participantId = a.participant.id;
      sequence = tx.events().nextSequenceInCampaign(tenantId, participantId, campaignId);
      if (sequence == 0) {
        throw LoyaltyException.notFound("participant");
      }
    } else {
      Optional<Participant> existing = a.participant.find(tx, tenantId, campaignId);
      if (a.idempotencyKey != null) {
        Optional<ActionRecord> prior = tx.actions().findByIdempotencyKey(tenantId, a.idempotencyKey);
        if (prior.isPresent()) {
          // The participant read again: the action committed with or after its participant, but possibly after the
          // read above (READ COMMITTED reads each statement's own commits), which then missed the participant the
          // first request enrolled and made its own retry a CONFLICT.
          return replay(tx, prior.get(), a, a.participant.find(tx, tenantId, campaignId), campaignId);
        }
      }
      if (existing.isEmpty() && (a.participant.email == null || !a.enrol)) {
        throw LoyaltyException.notFound("participant");
      }
      if (a.invited != null) {
        invited = invited(tx, a, existing, campaignId);
      }
      created = existing.isEmpty();
      participantId = created
          ? ParticipantService.enrolIn(context, tx, campaignId, a.participant.email, null, null, null, null,
              Map.of()).id()
          : existing.get().id();
      if (invited != null) {
        // The invited participant's lock with the participant's, in ascending id order, before anything else: the
        // invited's two-way reward and its event are written under it. Taken only for that event, after the
        // participant's lock and the coupon pool's (the participant's own reward may find the pool empty), it
        // deadlocked with a transaction holding the invited participant that then took the pool's lock (an
        // approval) or the participant's (a host changing both in ascending id order).
        long invitedId = invited.id();
        if (tx.participants().lockAll(tenantId, List.of(participantId, invitedId)).stream()
            .noneMatch(locked -> locked.participant().id() == invitedId)) {
          throw LoyaltyException.notFound("invited participant");
        }
      }
      // The event's number first: it takes the participant's row lock, which the participant's deletion holds while
      // it deletes the counters; taken after them, for the event, it could deadlock with the deletion.
      sequence = Outbox.sequence(context, tx, participantId);
    }
    Instant now = context.now();
    int month = Goals.month(now, zone);
    var counters = tx.actions();
    ActionPort.ActionIncrements added = counters.incrementForAction(tenantId, campaignId, participantId, reward.id(),
        month, Goals.previousMonth(month), now);
    long rewardAllTime = added.rewardAllTime();
    ActionCounts counts = new ActionCounts(added.allTime(), added.allMonth(), added.previousMonth(), rewardAllTime,
        added.rewardMonth());
    ActionRecord recorded = new ActionRecord(context.ids().nextId(), tenantId, campaignId, participantId,
        reward.id(), a.source, a.metadata, invited == null ? null : invited.id(), a.idempotencyKey, created,
        counts, now);
    // One call for both rows: PostgreSQL writes them in one statement, sent with the commit when nothing follows (a
    // key taken meanwhile then fails the commit with the key's violation, as it would fail the insert).
    tx.appendAction(recorded, Outbox.event(context, EventType.LOYALTY_ACTION_RECORDED, campaignId, participantId,
        sequence, RewardJson.action(recorded)));

    long actionId = recorded.actionId();
    List<EarnedReward> unlocked = new ArrayList<>();
    int cycle = Goals.unlockedCycle(rewardAllTime, reward.conversionsRequired(), reward.limit());
    // The program only matters to an unlock: most actions (nine in ten of an every-10 reward) never read it.
    RewardProgram program = cycle > 0 || invited != null ? programOf(tx, tenantId, campaignId) : null;
    if (cycle > 0) {
      unlock(tx, reward, participantId, cycle, actionId, program, holdForReview).ifPresent(unlocked::add);
    }
    if (invited != null) {
      long invitedId = invited.id();
      Runnable twoWayRewards = () -> {
        for (CampaignReward twoWay : tx.rewards().list(tenantId, campaignId)) {
          if (twoWay.audience() == RewardAudience.INVITED) {
            unlock(tx, twoWay, invitedId, 1, actionId, program, holdForReview).ifPresent(unlocked::add);
          }
        }
      };
      if (invitedOverflowField == null) {
        twoWayRewards.run();
      } else {
        // The invited participant's balance is full, not the action's reward wrong: on the field naming them.
        PointsService.overflowOn(invitedOverflowField, INVITED_OVERFLOW, () -> {
          twoWayRewards.run();
          return null;
        });
      }
    }
    // As stored, in id order, as a replay reads them (EarnedRewardPort#unlockedBy): not read back here.
    unlocked.sort(Comparator.comparingLong(EarnedReward::id));
    return new ActionResult(actionId, participantId, created, counts, unlocked, false);
  }

  private ActionResult replay(Transaction tx, ActionRecord prior, ActionRequest a, Optional<Participant> existing,
      long campaignId) {
    boolean same = prior.campaignRewardId() == a.campaignRewardId && prior.source() == a.source
        && existing.isPresent() && existing.get().id() == prior.participantId()
        && sameInvited(tx, prior.invitedParticipantId(), a.invited, campaignId);
    if (!same) {
      if (existing.isEmpty() && (a.participant.email == null || !a.enrol)) {
        // A participant this request could not act for is NOT_FOUND whatever the key names, as without the key (and
        // as for points): the caller learns nothing of the key. An unknown email to enrol would be another one.
        throw LoyaltyException.notFound("participant");
      }
      if (a.invited != null) {
        // The same for an invited participant this request could not name, or names wrongly.
        invited(tx, a, existing, campaignId);
      }
      throw LoyaltyException.conflict("idempotencyKey",
          "the idempotency key was used by an action with other parameters");
    }
    return new ActionResult(prior.actionId(), prior.participantId(), prior.participantCreated(), prior.counts(),
        tx.earnedRewards().unlockedBy(context.tenantId(), prior.actionId()), true);
  }

  /**
   * The invited participant {@code a} names in the campaign: NOT_FOUND if there is none, VALIDATION_ERROR on
   * {@code invited} if it is the acting participant ({@code existing}).
   */
  private Participant invited(Transaction tx, ActionRequest a, Optional<Participant> existing, long campaignId) {
    Participant invited = a.invited.find(tx, context.tenantId(), campaignId)
        .orElseThrow(() -> LoyaltyException.notFound("invited participant"));
    if (existing.isPresent() && existing.get().id() == invited.id()) {
      throw LoyaltyException.validation("invited", "a participant cannot be their own invited participant");
    }
    return invited;
  }

  /**
   * Whether a retry names the invited participant its first request named (or none, as it did): the invited
   * participant decides who earns the two-way rewards, so a key reused for another one is a CONFLICT, not a replay
   * that silently gives the second one nothing. By email, an invited participant who is gone is not the same (and
   * the retry is NOT_FOUND, as without the key).
   */
  private boolean sameInvited(Transaction tx, Long priorInvited, Target invited, long campaignId) {
    if (invited == null || priorInvited == null) {
      return invited == null && priorInvited == null;
    }
    if (invited.email == null) {
      return invited.id == priorInvited;
    }
    return invited.find(tx, context.tenantId(), campaignId).map(p -> p.id() == priorInvited).orElse(false);
  }

  /**
   * Earns one cycle of a reward unless the participant has it already; returns it as stored if it was earned now
   * (empty if not): approved, as its approval's last write returned it, at once in an AUTO campaign unless held for
   * review; else PENDING as inserted (the engine's instants are at the microseconds every store keeps).
   */
  private Optional<EarnedReward> unlock(Transaction tx, CampaignReward reward, long participantId, int cycle,
      long actionId, RewardProgram program, boolean holdForReview) {
    EarnedReward earned = new EarnedReward(context.ids().nextId(), context.tenantId(), reward.campaignId(),
        participantId, reward.id(), cycle, reward.type(), EarnedRewardStatus.PENDING, true, reward.points(), null,
        reward.message(), reward.cashAmountMinor(), reward.currency(), null, context.now(), null, null);
    if (!tx.earnedRewards().insertIfAbsent(earned, actionId)) {
      return Optional.empty();
    }
    Outbox.emit(context, tx, EventType.REWARD_REACHED, earned.campaignId(), participantId,
        RewardJson.earned(earned, false));
    if (program.automation() == Automation.AUTO && !holdForReview) {
      return Optional.of(approveIn(tx, earned, false, program));
    }
    return Optional.of(earned);
  }

  // ==================================================================== counts

  /**
   * {@inheritDoc}
   *
   * @throws LoyaltyException NOT_FOUND also for a reward of another campaign than the participant's
   */
  @Override
  public ActionCounts counts(ParticipantRef participant, long campaignRewardId) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      Participant p = resolver.resolve(tx, tenantId);
      CampaignReward reward = requireReward(tx, campaignRewardId);
      if (reward.campaignId() != p.campaignId()) {
        throw LoyaltyException.notFound("campaign reward");
      }
      int month = currentMonth(tx, p.campaignId());
      // One reading: an action committing meanwhile is in all five or in none.
      return tx.actions().counts(tenantId, p.id(), reward.id(), month, Goals.previousMonth(month));
    });
  }

  @Override
  public ParticipantRewardSummary summary(ParticipantRef participant) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      Participant p = resolver.resolve(tx, tenantId);
      int month = currentMonth(tx, p.campaignId());
      ActionCounts counts = tx.actions().counts(tenantId, p.id(), 0, month, Goals.previousMonth(month));
      var earned = tx.earnedRewards();
      return new ParticipantRewardSummary(counts.allTime(), counts.currentMonth(), counts.previousMonth(),
          earned.countByStatus(tenantId, p.id(), EarnedRewardStatus.PENDING),
          earned.countByStatus(tenantId, p.id(), EarnedRewardStatus.APPROVED),
          earned.isWinner(tenantId, p.id()));
    });
  }

  @Override
  public CampaignTotals totals(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return new CampaignTotals(tx.participants().count(tenantId, campaignId, null, null),
          tx.actions().campaignActions(tenantId, campaignId), tx.earnedRewards().winners(tenantId, campaignId));
    });
  }

  // ==================================================================== earned rewards

  @Override
  public CursorPage<EarnedReward> earned(ParticipantRef participant, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot: a deletion committed between the two reads would show the participant without its rewards.
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return CursorPage.fromRows(tx.earnedRewards().listForParticipant(tenantId, id, page.afterId(),
          page.limit() + 1), page.limit(), EarnedReward::id);
    });
  }

  @Override
  public CursorPage<EarnedReward> earned(long campaignId, EarnedRewardStatus status, Keyset page) {
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot, as the participant's list: the campaign and its rewards read together.
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return CursorPage.fromRows(tx.earnedRewards().listForCampaign(tenantId, campaignId, status, page.afterId(),
          page.limit() + 1), page.limit(), EarnedReward::id);
    });
  }

  @Override
  public EarnedReward getEarned(long earnedRewardId) {
    return context.transactions().runRead(tx -> requireEarned(tx, earnedRewardId));
  }

  /**
   * {@inheritDoc}
   *
   * <p>With {@code fulfil}, approval and fulfilment succeed or fail together: a COUPON that would wait for a code
   * is INVALID_TRANSITION and stays PENDING; a CUSTOM reward is taken as fulfilled by the caller (its handler is
   * not called).
   */
  @Override
  public EarnedReward approve(long earnedRewardId, boolean fulfil) {
    // The reward's key a host took, before or during the approval: CONFLICT on earnedRewardId.
    // Its points overflowing the balance: on the parameter the host passed, not on the award's "amount".
    return points.runOwn("earnedRewardId", tx -> PointsService.overflowOn("earnedRewardId", OVERFLOW,
        () -> approveIn(tx, lockEarned(tx, earnedRewardId), fulfil, null)));
  }

  /**
   * {@inheritDoc}
   *
   * @throws LoyaltyException INVALID_TRANSITION also for an APPROVED COUPON reward still waiting for a code
   */
  @Override
  public EarnedReward fulfil(long earnedRewardId) {
    return context.transactions().run(tx -> fulfilIn(tx, lockEarned(tx, earnedRewardId)));
  }

  @Override
  public EarnedReward remove(long earnedRewardId) {
    return context.transactions().run(tx -> {
      EarnedReward removed = move(tx, lockEarned(tx, earnedRewardId), EarnedRewardStatus.REMOVED, "removed");
      Outbox.emit(context, tx, EventType.REWARD_REMOVED, removed.campaignId(), removed.participantId(),
          RewardJson.earned(removed, false));
      return removed;
    });
  }

  @Override
  public EarnedReward markRead(long earnedRewardId) {
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      if (!tx.earnedRewards().markRead(tenantId, earnedRewardId)) {
        throw LoyaltyException.notFound("earned reward");
      }
      return requireEarned(tx, earnedRewardId);
    });
  }

  /**
   * PENDING to APPROVED, giving the reward what its type gives (points, a coupon code; see the class description),
   * then optionally fulfilling it. {@code program} is the campaign's, if the caller read it already (its coupon
   * low-stock threshold is not read again); else null.
   */
  private EarnedReward approveIn(Transaction tx, EarnedReward pending, boolean fulfil, RewardProgram program) {
    EarnedReward approved = move(tx, pending, EarnedRewardStatus.APPROVED, "approved");
    switch (approved.type()) {
      case POINTS -> {
        Participant p = tx.participants().find(context.tenantId(), approved.participantId())
            .orElseThrow(() -> LoyaltyException.notFound("participant"));
        // The amount was validated when the reward was defined; type and key are constants and a number.
        // Approved once, by this unit of work: an entry with the key is the host's (CONFLICT, rolled back).
        points.applyOwnIn(tx, p, LedgerEntryKind.AWARD, PointsChange.of(approved.points(), POINTS_TYPE)
            .withIdempotencyKey(POINTS_KEY_PREFIX + approved.id()), "earnedRewardId");
      }
      case COUPON -> approved = CouponAssignment.assign(context, tx, approved,
          (program != null ? program : programOf(tx, context.tenantId(), approved.campaignId()))
              .couponLowStockThreshold());
      case CUSTOM_MESSAGE, CASH, CUSTOM -> {
        // Recorded as they are; a CUSTOM reward's handler runs after commit (Fulfilment).
      }
    }
    Outbox.emit(context, tx, EventType.REWARD_APPROVED, approved.campaignId(), approved.participantId(),
        RewardJson.earned(approved, true));
    return fulfil ? fulfilIn(tx, approved) : approved;
  }

  /** APPROVED to FULFILLED; a COUPON reward must have its code. */
  private EarnedReward fulfilIn(Transaction tx, EarnedReward approved) {
    if (approved.status() == EarnedRewardStatus.APPROVED && approved.type() == RewardType.COUPON
        && approved.couponCode() == null) {
      throw new LoyaltyException(ErrorCode.INVALID_TRANSITION, "status",
          "the reward waits for a coupon code and cannot be fulfilled before it has one");
    }
    EarnedReward fulfilled = move(tx, approved, EarnedRewardStatus.FULFILLED, "fulfilled");
    Outbox.emit(context, tx, EventType.REWARD_FULFILLED, fulfilled.campaignId(), fulfilled.participantId(),
        RewardJson.earned(fulfilled, true));
    return fulfilled;
  }

  /**
   * Moves a reward to {@code to} from the one status that may precede it, by compare-and-set, and returns it as
   * stored after the move.
   *
   * @throws LoyaltyException INVALID_TRANSITION naming {@code status} when the move is not allowed from the status
   *     read, or the status changed concurrently; NOT_FOUND if it was deleted meanwhile
   */
  private EarnedReward move(Transaction tx, EarnedReward current, EarnedRewardStatus to, String verb) {
    EarnedRewardStatus from = to == EarnedRewardStatus.FULFILLED
        ? EarnedRewardStatus.APPROVED : EarnedRewardStatus.PENDING;
    if (current.status() != from) {
      throw invalidTransition(current.status(), verb);
    }
    Optional<EarnedReward> moved = tx.earnedRewards().transition(context.tenantId(), current.id(), from, to,
        context.now());
    if (moved.isEmpty()) {
      throw invalidTransition(requireEarned(tx, current.id()).status(), verb);
    }
    return moved.get();
  }

  private static LoyaltyException invalidTransition(EarnedRewardStatus status, String verb) {
    return new LoyaltyException(ErrorCode.INVALID_TRANSITION, "status",
        "an earned reward that is " + status + " cannot be " + verb);
  }

  // ==================================================================== reads inside a unit of work

  private CampaignReward requireReward(Transaction tx, long campaignRewardId) {
    return tx.rewards().find(context.tenantId(), campaignRewardId)
        .orElseThrow(() -> LoyaltyException.notFound("campaign reward"));
  }

  private EarnedReward requireEarned(Transaction tx, long earnedRewardId) {
    return tx.earnedRewards().find(context.tenantId(), earnedRewardId)
        .orElseThrow(() -> LoyaltyException.notFound("earned reward"));
  }

  /**
   * The earned reward, read again under its participant's row lock, taken first: a move writes an event numbered
   * under that lock, and a deletion of the participant holds it while it deletes the participant's rewards, so taking
   * it after updating the reward could deadlock with the deletion (see the class description).
   *
   * @throws LoyaltyException NOT_FOUND also when a deletion of the participant took the reward meanwhile
   */
  private EarnedReward lockEarned(Transaction tx, long earnedRewardId) {
    ParticipantService.lockOwner(tx, context.tenantId(), requireEarned(tx, earnedRewardId).participantId(),
        "earned reward");
    return requireEarned(tx, earnedRewardId);
  }

  private int currentMonth(Transaction tx, long campaignId) {
    return Goals.month(context.now(), context.campaignZones().of(tx, context.tenantId(), campaignId));
  }

  /** A campaign's program, or the default (AUTO, threshold 0) when it was never configured. */
  private static RewardProgram programOf(Transaction tx, long tenantId, long campaignId) {
    return tx.rewards().findProgram(tenantId, campaignId)
        .orElseGet(() -> new RewardProgram(campaignId, Automation.AUTO, 0));
  }

  // ==================================================================== validated requests

  /** A validated participant reference: an id, or a campaign and an email. */
  private record Target(long id, long campaignId, EmailAddresses.Email email) {
    static Target of(String field, String emailField, ParticipantRef ref) {
      TextRules.notNull(field, ref);
      if (ref instanceof ParticipantRef.ById byId) {
        return new Target(byId.participantId(), 0, null);
      }
      ParticipantRef.ByEmail byEmail = (ParticipantRef.ByEmail) ref;
      return new Target(0, byEmail.campaignId(), EmailAddresses.parse(emailField, byEmail.email()));
    }

    /**
     * Adds the id of the participant this reference names to {@code ids}, for
     * {@link LocksParticipants#participants}: an id as it is, an email as found (an unknown one left out).
     */
    void addIdIfFound(Transaction tx, long tenantId, Set<Long> ids) {
      if (email == null) {
        ids.add(id);
      } else {
        tx.participants().findByEmail(tenantId, campaignId, email.sanitized()).ifPresent(p -> ids.add(p.id()));
      }
    }

    /** The participant of the campaign named by this reference, if any (an id of another campaign is absent). */
    Optional<Participant> find(Transaction tx, long tenantId, long campaignId) {
      if (email == null) {
        return tx.participants().find(tenantId, id).filter(p -> p.campaignId() == campaignId);
      }
      return tx.participants().findByEmail(tenantId, campaignId, email.sanitized());
    }

    @Override
    public String toString() {
      return "Target[id=" + id + ", campaignId=" + campaignId + (email == null ? "" : ", email=<hidden>") + "]";
    }
  }

  /** A validated {@link LoyaltyAction}. */
  private record ActionRequest(Target participant, long campaignRewardId, ActionSource source,
      Map<String, Object> metadata, boolean enrol, Target invited, String idempotencyKey) {
    static ActionRequest validate(LoyaltyAction action, ScopeContext context) {
      TextRules.notNull("action", action);
      Target participant = Target.of("participant", "email", action.participant());
      ActionSource source = TextRules.notNull("source", action.source());
      Map<String, Object> metadata = MetadataRules.validate(action.metadata(), context.limits());
      Target invited = null;
      if (action.invited() != null) {
        if (source != ActionSource.REFERRAL) {
          throw LoyaltyException.validation("invited", "only a REFERRAL action names an invited participant");
        }
        invited = Target.of("invited", "invited", action.invited());
      }
      String key = PointsRules.idempotencyKey(action.idempotencyKey());
      return new ActionRequest(participant, action.campaignRewardId(), source, metadata,
          action.addParticipantIfNoneExists(), invited, key);
    }
  }
}
