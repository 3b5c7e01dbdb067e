package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.CampaignTotals;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.ParticipantRewardSummary;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Loyalty actions, goals and earned rewards' approval of a real engine, driven against a small reference model by a
 * {@link ModelRunner}: seeded sequences of actions by three participants toward five POINTS rewards of one campaign
 * (goals of 1, 2, 3, 4 and 5 actions; limits of 1, 2 and 5, and two unlimited rewards), a third of them with an
 * idempotency key, and exact retries of earlier keyed actions; changes of the campaign's program between AUTO and
 * MANUAL approval; approvals (half of them fulfilling at once), fulfilments and removals of earned rewards picked in
 * whatever status they are; and moves of the engine's clock, an hour to twenty days at a time, across the campaign's
 * months (in St. John's time, three and a half hours behind UTC, so that its months do not turn with UTC's).
 * Participants are named by email and enrolled by their first action.
 *
 * <pre>{@code
 * RewardScenario.runner(engine, clock, outcome -> {}).steps(120).build().runSeeds(RewardScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) sets the clock back to where it was when the runner was
 * made and works in a fresh tenant of the given engine, with one brand, one campaign never configured (so AUTO), and
 * the five rewards; tenant isolation keeps runs apart. Operations name participants and rewards by slot, so they stay
 * meaningful when a shortened sequence drops some.
 *
 * <h2>Checked at every step</h2>
 * A participant is enrolled by its first action only; an action's counts (the participant's all time, this month and
 * last month in the campaign's zone, the reward's all time and this month) are the model's; it unlocks exactly the
 * cycle its count reaches, if any, earned now, APPROVED now (its points credited) while the campaign is AUTO and
 * PENDING while it is MANUAL; a retry with a used key is replayed with the first result. An approval of a PENDING
 * reward answers it APPROVED (or FULFILLED, when it fulfils too) as of now and credits its points; a fulfilment of an
 * APPROVED one answers it FULFILLED as of now; a removal of a PENDING one answers it REMOVED, its points never
 * credited. Any other move (approving a reward not PENDING, fulfilling one not APPROVED, removing one not PENDING: an
 * approved reward is never removed) is INVALID_TRANSITION on {@code status} and changes nothing. {@code configure}
 * answers the program set, and {@code program} reads it back.
 *
 * <h2>Checked after every step</h2>
 * The campaign's totals (participants, loyalty actions, winners: those with a reward not removed) are the model's.
 * For the participant the step acted on (every participant after every tenth step), and each reward, the number of
 * earned rewards is {@code min(limit, floor(actions / conversionsRequired))} (no cap for an unlimited reward; a
 * removed reward keeps its cycle), with cycles 1..n each once; its {@code earned()} is exactly the model's, newest
 * first, every field; its balance is the sum of the points of its approved and fulfilled rewards and the sum of its
 * ledger; its {@code summary()} (actions all time, this month and last month; PENDING rewards as unapproved, APPROVED
 * as unfulfilled; a winner while it has a reward not removed) is the model's.
 *
 * <h2>Checked after every tenth step</h2>
 * The campaign's {@code earned(campaignId, status)} in earning order, all and in each status, and each participant's
 * {@code earned()}, walked three at a time, are the model's; so are {@code counts(participant, reward)} of every
 * participant and reward, the campaign's rewards ({@code list}, as defined, oldest first) and its {@code program}.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway (the clock is shared by the
 * runs, which run one at a time). The outcome consumer is called on the thread running the runner.
 */
public final class RewardScenario {
  /** The goals: conversions required, limit (null: unlimited), points per unlock. */
  private static final List<Goal> GOALS = List.of(new Goal(1, 1, 10), new Goal(3, 2, 20), new Goal(4, null, 30),
      new Goal(2, 5, 40), new Goal(5, null, 50));
  private static final int SLOTS = 3;
  /** The campaign's zone: its months turn three and a half hours after UTC's. */
  private static final ZoneId ZONE = ZoneId.of("America/St_Johns");
  /**
   * The smallest sum of three seeds among 1..100, each run alone for 120 steps, that together reach every outcome
   * (chosen when the approval steps came, as ScenarioOutcomesTest holds them to).
   */
  private static final long[] DEFAULT_SEEDS = {1L, 4L, 6L};
  /** Every {@value}th step the earned-reward lists are walked a small page at a time, and the counts read. */
  private static final int LIST_CHECK_EVERY = 10;
  private static final int LIST_PAGE = 3;

  /** An action counted by a participant's first action, which enrolled it. */
  public static final String ENROLLED = "an action that enrols its participant";
  /** An action that reached no new cycle of its reward. */
  public static final String SHORT_OF_THE_GOAL = "an action short of the next goal";
  /** An action that unlocked a cycle of its reward. */
  public static final String UNLOCKED = "an unlock";
  /** An unlock in a MANUAL campaign: PENDING, its points not credited. */
  public static final String UNLOCKED_PENDING = "an unlock held for approval";
  /** An unlimited reward unlocked a second time or more. */
  public static final String UNLOCKED_AGAIN = "an unlimited reward unlocked again";
  /** An action that reached a cycle past the reward's limit: counted, unlocking nothing. */
  public static final String PAST_THE_LIMIT = "an action past the limit";
  /** A retry with a used key, answered with the first result. */
  public static final String REPLAYED = "a replayed retry";
  /** An APPROVED earned reward fulfilled. */
  public static final String FULFILLED = "an earned reward fulfilled";
  /** A FULFILLED earned reward fulfilled again: INVALID_TRANSITION on status. */
  public static final String FULFILLED_AGAIN = "a fulfilled reward fulfilled again refused";
  /** A PENDING or REMOVED earned reward fulfilled: INVALID_TRANSITION on status. */
  public static final String FULFILMENT_UNAPPROVED_REFUSED = "a fulfilment of a reward never approved refused";
  /** A PENDING earned reward approved. */
  public static final String APPROVED = "a pending reward approved";
  /** A PENDING earned reward approved and fulfilled in one call. */
  public static final String APPROVED_AND_FULFILLED = "a pending reward approved and fulfilled";
  /** An earned reward not PENDING approved: INVALID_TRANSITION on status. */
  public static final String APPROVAL_REFUSED = "an approval of a reward not pending refused";
  /** A PENDING earned reward removed. */
  public static final String REMOVED = "a pending reward removed";
  /** An APPROVED or FULFILLED earned reward removed: INVALID_TRANSITION on status. */
  public static final String REMOVAL_OF_APPROVED_REFUSED = "a removal of an approved reward refused";
  /** A REMOVED earned reward removed again: INVALID_TRANSITION on status (rare; not among {@link #outcomes()}). */
  public static final String REMOVED_AGAIN = "a removed reward removed again refused";
  /** The campaign's program set to MANUAL approval. */
  public static final String MADE_MANUAL = "the campaign made MANUAL";
  /** The campaign's program set to AUTO approval, after it was MANUAL. */
  public static final String MADE_AUTO_AGAIN = "the campaign made AUTO again";
  /** The clock moved into the campaign's next month (or later). */
  public static final String MONTH_TURNED = "a month turned";

  private RewardScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test; each run creates its own tenant in it
   * @param clock the engine's clock: each run starts where it is now and moves it
   * @param outcomes told the name of every outcome a step reaches (one of {@link #outcomes()}, or another name for a
   *     rarer case), so that a caller can check that its seeds reach them all
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(outcomes, "outcomes");
    Instant origin = clock.instant();
    return ModelRunner.<Run, Model, Op>builder()
        .name("reward goals")
        .system(() -> new Run(engine, clock, origin))
        .model(run -> new Model())
        .operations(operations())
        .step((run, model, op) -> {
          model.steps++;
          model.touched.clear();
          if (op instanceof Act act) {
            apply(run, model, act, outcomes);
          } else if (op instanceof Fulfil f) {
            fulfil(run, model, f, outcomes);
          } else if (op instanceof Approve a) {
            approve(run, model, a, outcomes);
          } else if (op instanceof Remove r) {
            remove(run, model, r, outcomes);
          } else if (op instanceof Configure c) {
            configure(run, model, c, outcomes);
          } else {
            tick(run, (Tick) op, outcomes);
          }
        })
        .invariant(RewardScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the default seeds reach. */
  public static List<String> outcomes() {
    return List.of(ENROLLED, SHORT_OF_THE_GOAL, UNLOCKED, UNLOCKED_PENDING, UNLOCKED_AGAIN, PAST_THE_LIMIT, REPLAYED,
        FULFILLED, FULFILLED_AGAIN, FULFILMENT_UNAPPROVED_REFUSED, APPROVED, APPROVED_AND_FULFILLED,
        APPROVAL_REFUSED, REMOVED, REMOVAL_OF_APPROVED_REFUSED, MADE_MANUAL, MADE_AUTO_AGAIN, MONTH_TURNED);
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations() {
    return (random, previous) -> {
      int roll = random.nextInt(100);
      if (roll < 5) {
        // MANUAL two times in three, so that unlocks wait for approval in most runs.
        return new Configure(random.nextInt(3) == 0 ? Automation.AUTO : Automation.MANUAL, random.nextInt(4) * 5);
      }
      if (roll < 10) {
        return new Tick(random.nextInt(60, 20 * 24 * 60));
      }
      if (roll < 32) {
        int slot = random.nextInt(SLOTS);
        int reward = random.nextInt(GOALS.size());
        int pick = random.nextInt(1_000);
        return roll < 18 ? new Approve(slot, reward, pick, random.nextBoolean())
            : roll < 24 ? new Remove(slot, reward, pick) : new Fulfil(slot, reward, pick);
      }
      List<Act> keyed = previous.stream().filter(o -> o instanceof Act a && a.key() != null && !a.retry())
          .map(Act.class::cast).toList();
      if (!keyed.isEmpty() && random.nextInt(10) == 0) {
        Act earlier = keyed.get(random.nextInt(keyed.size()));
        return new Act(earlier.slot(), earlier.reward(), earlier.key(), true);
      }
      String key = random.nextInt(3) == 0 ? "k" + previous.size() : null;
      return new Act(random.nextInt(SLOTS), random.nextInt(GOALS.size()), key, false);
    };
  }

  private static void apply(Run run, Model model, Act act, Consumer<String> outcomes) {
    model.touched.add(act.slot());
    LoyaltyAction action = LoyaltyAction.of(run.ref(act.slot()), run.rewards.get(act.reward()).id())
        .withIdempotencyKey(act.key());
    ActionResult result = run.scope.rewards().recordAction(action);
    // Decided by the model, not by the flag: shortening a failing sequence may drop the first use of a key.
    if (act.key() != null && model.byKey.containsKey(act.key())) {
      ActionResult first = model.byKey.get(act.key());
      assertTrue(result.replayed(), () -> act + ": a retry is replayed");
      assertEquals(first.actionId(), result.actionId(), () -> act + ": the first action's id");
      assertEquals(first.counts(), result.counts(), () -> act + ": the first action's counts");
      assertEquals(first.participantCreated(), result.participantCreated(), () -> act + ": the first enrolment flag");
      assertEquals(ids(first.unlocked()), ids(result.unlocked()), () -> act + ": the first action's unlocks");
      outcomes.accept(REPLAYED);
      return;
    }
    long before = model.expectedUnlocks(act.slot(), act.reward());
    long uncapped = model.actions[act.slot()][act.reward()] / GOALS.get(act.reward()).conversionsRequired();
    model.actions[act.slot()][act.reward()]++;
    model.months.add(new Action(act.slot(), act.reward(), run.month()));
    long after = model.expectedUnlocks(act.slot(), act.reward());
    assertFalse(result.replayed(), () -> act + ": a first action is not a replay");
    assertEquals(!model.enrolled[act.slot()], result.participantCreated(),
        () -> act + ": a participant is enrolled by its first action only");
    if (result.participantCreated()) {
      outcomes.accept(ENROLLED);
    }
    model.enrolled[act.slot()] = true;
    assertEquals(model.counts(act.slot(), act.reward(), run.month()), result.counts(),
        () -> act + ": the action's counts (all time, this month, last month; the reward's all time, this month) in "
            + model);
    assertEquals(after - before, result.unlocked().size(),
        () -> act + ": unlocks the cycle its count reaches, if any, within the limit");
    boolean manual = model.automation == Automation.MANUAL;
    long participantId = run.participantId(act.slot());
    for (EarnedReward e : result.unlocked()) {
      EarnedReward expected = new EarnedReward(e.id(), run.scope.tenantId(), run.campaign.id(), participantId,
          run.rewards.get(act.reward()).id(), (int) after, RewardType.POINTS,
          manual ? EarnedRewardStatus.PENDING : EarnedRewardStatus.APPROVED, true, GOALS.get(act.reward()).points(),
          null, null, 0, null, null, run.now(), manual ? null : run.now(), null);
      assertEquals(List.of(expected), List.of(e), () -> act + ": the unlock, " + (manual ? "PENDING" : "APPROVED")
          + " now in a " + model.automation + " campaign; every field");
    }
    boolean reachesACycle = model.actions[act.slot()][act.reward()] / GOALS.get(act.reward()).conversionsRequired()
        > uncapped;
    outcomes.accept(after > before ? UNLOCKED : reachesACycle ? PAST_THE_LIMIT : SHORT_OF_THE_GOAL);
    if (after > before && manual) {
      outcomes.accept(UNLOCKED_PENDING);
    }
    if (after > 1 && after > before && GOALS.get(act.reward()).limit() == null) {
      outcomes.accept(UNLOCKED_AGAIN);
    }
    if (act.key() != null) {
      model.byKey.put(act.key(), result);
    }
    model.earned.addAll(result.unlocked());
  }

  /**
   * The index in the model of one of the participant's earned rewards of the reward, a pick among them: an even pick
   * among those in {@code movable} (the status the move goes from) if there are any, else, or if odd, among them all,
   * so that moves are not mostly refused. -1 if it has none (or is not enrolled).
   */
  private static int pick(Run run, Model model, int slot, int reward, int pick, EarnedRewardStatus movable) {
    if (!model.enrolled[slot]) {
      return -1;
    }
    long participantId = run.participantId(slot);
    long rewardId = run.rewards.get(reward).id();
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < model.earned.size(); i++) {
      EarnedReward e = model.earned.get(i);
      if (e.participantId() == participantId && e.campaignRewardId() == rewardId) {
        candidates.add(i);
      }
    }
    if (candidates.isEmpty()) {
      return -1;
    }
    List<Integer> from = candidates.stream().filter(i -> model.earned.get(i).status() == movable).toList();
    if (pick % 2 != 0 || from.isEmpty()) {
      from = candidates;
    }
    return from.get(pick / 2 % from.size());
  }

  /**
   * Asserts that {@code move} is refused with INVALID_TRANSITION on {@code status}; the checks after the step see
   * that it changed nothing.
   */
  private static void refused(Op op, EarnedReward before, Runnable move) {
    try {
      move.run();
    } catch (LoyaltyException e) {
      assertEquals(List.of(ErrorCode.INVALID_TRANSITION, "status"), List.of(e.code(), e.field().orElse("")),
          () -> op + " of a " + before.status() + " reward: " + e);
      return;
    }
    throw new AssertionError(op + ": a " + before.status() + " reward moved");
  }

  /** {@code before} as a move to {@code status} now leaves it: only the status and that move's time change. */
  private static EarnedReward moved(Run run, EarnedReward before, EarnedRewardStatus status) {
    Instant approvedAt = status == EarnedRewardStatus.APPROVED
        || (status == EarnedRewardStatus.FULFILLED && before.approvedAt() == null) ? run.now() : before.approvedAt();
    Instant fulfilledAt = status == EarnedRewardStatus.FULFILLED ? run.now() : before.fulfilledAt();
    return new EarnedReward(before.id(), before.tenantId(), before.campaignId(), before.participantId(),
        before.campaignRewardId(), before.cycle(), before.type(), status, before.unread(), before.points(),
        before.couponCode(), before.message(), before.cashAmountMinor(), before.currency(), before.waitingReason(),
        before.earnedAt(), approvedAt, fulfilledAt);
  }

  /**
   * Fulfils one of the participant's earned rewards of the reward (a pick among them; nothing if it has none): an
   * APPROVED one becomes FULFILLED now, any other is INVALID_TRANSITION on status and stays as it is.
   */
  private static void fulfil(Run run, Model model, Fulfil op, Consumer<String> outcomes) {
    int index = pick(run, model, op.slot(), op.reward(), op.pick(), EarnedRewardStatus.APPROVED);
    if (index < 0) {
      return;
    }
    model.touched.add(op.slot());
    EarnedReward before = model.earned.get(index);
    if (before.status() != EarnedRewardStatus.APPROVED) {
      refused(op, before, () -> run.scope.rewards().fulfil(before.id()));
      outcomes.accept(before.status() == EarnedRewardStatus.FULFILLED ? FULFILLED_AGAIN
          : FULFILMENT_UNAPPROVED_REFUSED);
      return;
    }
    EarnedReward after = run.scope.rewards().fulfil(before.id());
    assertEquals(moved(run, before, EarnedRewardStatus.FULFILLED), after, () -> op + ": FULFILLED now, every field");
    model.earned.set(index, after);
    outcomes.accept(FULFILLED);
  }

  /**
   * Approves one of the participant's earned rewards of the reward, fulfilling it too or not: a PENDING one becomes
   * APPROVED (or FULFILLED) now, its points credited; any other is INVALID_TRANSITION on status.
   */
  private static void approve(Run run, Model model, Approve op, Consumer<String> outcomes) {
    int index = pick(run, model, op.slot(), op.reward(), op.pick(), EarnedRewardStatus.PENDING);
    if (index < 0) {
      return;
    }
    model.touched.add(op.slot());
    EarnedReward before = model.earned.get(index);
    if (before.status() != EarnedRewardStatus.PENDING) {
      refused(op, before, () -> run.scope.rewards().approve(before.id(), op.fulfil()));
      outcomes.accept(APPROVAL_REFUSED);
      return;
    }
    EarnedReward after = run.scope.rewards().approve(before.id(), op.fulfil());
    EarnedRewardStatus status = op.fulfil() ? EarnedRewardStatus.FULFILLED : EarnedRewardStatus.APPROVED;
    assertEquals(moved(run, before, status), after, () -> op + ": " + status + " now, every field");
    model.earned.set(index, after);
    outcomes.accept(op.fulfil() ? APPROVED_AND_FULFILLED : APPROVED);
  }

  /**
   * Removes one of the participant's earned rewards of the reward: a PENDING one becomes REMOVED, any other is
   * INVALID_TRANSITION on status (an approved reward, whose points were credited, is never removed).
   */
  private static void remove(Run run, Model model, Remove op, Consumer<String> outcomes) {
    int index = pick(run, model, op.slot(), op.reward(), op.pick(), EarnedRewardStatus.PENDING);
    if (index < 0) {
      return;
    }
    model.touched.add(op.slot());
    EarnedReward before = model.earned.get(index);
    if (before.status() != EarnedRewardStatus.PENDING) {
      refused(op, before, () -> run.scope.rewards().remove(before.id()));
      outcomes.accept(before.status() == EarnedRewardStatus.REMOVED ? REMOVED_AGAIN : REMOVAL_OF_APPROVED_REFUSED);
      return;
    }
    EarnedReward after = run.scope.rewards().remove(before.id());
    assertEquals(moved(run, before, EarnedRewardStatus.REMOVED), after, () -> op + ": REMOVED, every field");
    model.earned.set(index, after);
    outcomes.accept(REMOVED);
  }

  private static void configure(Run run, Model model, Configure op, Consumer<String> outcomes) {
    RewardProgram expected = new RewardProgram(run.campaign.id(), op.automation(), op.threshold());
    assertEquals(expected, run.scope.rewards().configure(run.campaign.id(), op.automation(), op.threshold()),
        () -> op + ": the program as stored");
    if (op.automation() == Automation.MANUAL) {
      outcomes.accept(MADE_MANUAL);
    } else if (model.automation == Automation.MANUAL) {
      outcomes.accept(MADE_AUTO_AGAIN);
    }
    model.automation = op.automation();
    model.threshold = op.threshold();
    assertEquals(expected, run.scope.rewards().program(run.campaign.id()), () -> op + ": read back");
  }

  private static void tick(Run run, Tick op, Consumer<String> outcomes) {
    YearMonth before = run.month();
    run.clock.advance(Duration.ofMinutes(op.minutes()));
    if (!run.month().equals(before)) {
      outcomes.accept(MONTH_TURNED);
    }
  }

  private static void check(Run run, Model model) {
    boolean all = model.steps % LIST_CHECK_EVERY == 0;
    YearMonth month = run.month();
    long participants = 0;
    long campaignActions = 0;
    long winners = 0;
    for (int slot = 0; slot < SLOTS; slot++) {
      if (model.enrolled[slot]) {
        participants++;
        campaignActions += Arrays.stream(model.actions[slot]).sum();
        winners += model.winner(run, slot) ? 1 : 0;
        if (all || model.touched.contains(slot)) {
          checkParticipant(run, model, slot, month, all);
        }
      }
    }
    assertEquals(new CampaignTotals(participants, campaignActions, winners),
        run.scope.rewards().totals(run.campaign.id()), "campaign totals (participants, loyalty actions, winners)");
    if (all) {
      long campaignId = run.campaign.id();
      // In earning order: the model keeps them in the order the actions unlocked them.
      assertEquals(model.earned, Pages.all(page -> run.scope.rewards().earned(campaignId, null, page), LIST_PAGE),
          "the campaign's earned rewards, in earning order");
      for (EarnedRewardStatus status : EarnedRewardStatus.values()) {
        assertEquals(model.earned.stream().filter(e -> e.status() == status).toList(),
            Pages.all(page -> run.scope.rewards().earned(campaignId, status, page), LIST_PAGE),
            "the campaign's " + status + " earned rewards, in earning order");
      }
      assertEquals(run.rewards, run.scope.rewards().list(campaignId), "the campaign's rewards, oldest first");
      assertEquals(new RewardProgram(campaignId, model.automation, model.threshold),
          run.scope.rewards().program(campaignId), "the campaign's program");
    }
  }

  /**
   * The participant in {@code slot}: its earned rewards (newest first, every field; {@code lists}: also three at a
   * time), their count and cycles per reward, its balance and ledger, its summary, and ({@code lists}) its counts
   * toward every reward.
   */
  private static void checkParticipant(Run run, Model model, int slot, YearMonth month, boolean lists) {
    String who = "p" + slot;
    ParticipantRef ref = run.ref(slot);
    List<EarnedReward> earned = Pages.all(page -> run.scope.rewards().earned(ref, page));
    Participant p = run.scope.participants().get(ref);
    List<EarnedReward> own = new ArrayList<>(model.earned.stream().filter(e -> e.participantId() == p.id())
        .toList());
    Collections.reverse(own);
    assertEquals(own, earned, "earned rewards of " + who + ", newest first");
    if (lists) {
      assertEquals(own, Pages.all(page -> run.scope.rewards().earned(ref, page), LIST_PAGE),
          "earned rewards of " + who + ", " + LIST_PAGE + " at a time");
    }
    long points = 0;
    for (int r = 0; r < GOALS.size(); r++) {
      long rewardId = run.rewards.get(r).id();
      List<EarnedReward> mine = earned.stream().filter(e -> e.campaignRewardId() == rewardId).toList();
      long expected = model.expectedUnlocks(slot, r);
      String what = who + ", reward " + r + " (" + GOALS.get(r) + ", " + model.actions[slot][r] + " actions)";
      assertEquals(expected, mine.size(), "unlocks == min(limit, floor(actions / conversionsRequired)) for " + what);
      Set<Integer> cycles = new TreeSet<>();
      for (int c = 1; c <= expected; c++) {
        cycles.add(c);
      }
      assertEquals(cycles, mine.stream().map(EarnedReward::cycle).collect(Collectors.toCollection(TreeSet::new)),
          "cycles 1..n, each once, for " + what);
      for (EarnedReward e : mine) {
        assertEquals(GOALS.get(r).points(), e.points(), "the reward's points: " + what);
        if (e.status() == EarnedRewardStatus.APPROVED || e.status() == EarnedRewardStatus.FULFILLED) {
          points += e.points();
        }
      }
      if (lists) {
        assertEquals(model.counts(slot, r, month), run.scope.rewards().counts(ref, rewardId),
            "counts of " + what + " in " + model);
      }
    }
    ActionCounts all = model.counts(slot, -1, month);
    assertEquals(new ParticipantRewardSummary(all.allTime(), all.currentMonth(), all.previousMonth(),
        count(earned, EarnedRewardStatus.PENDING), count(earned, EarnedRewardStatus.APPROVED),
        model.winner(run, slot)), run.scope.rewards().summary(ref), "summary of " + who + " (" + month + ") in " + model);
    assertEquals(points, p.pointsBalance(), "each approved POINTS reward credited once: balance of " + who);
    long ledger = 0;
    for (LedgerEntry e : Pages.all(page -> run.scope.points().history(ParticipantRef.id(p.id()), page))) {
      ledger += e.signedAmount();
    }
    assertEquals(ledger, p.pointsBalance(), "balance of " + who + " == sum of its ledger");
  }

  private static long count(List<EarnedReward> earned, EarnedRewardStatus status) {
    return earned.stream().filter(e -> e.status() == status).count();
  }

  private static List<Long> ids(List<EarnedReward> rewards) {
    return rewards.stream().map(EarnedReward::id).toList();
  }

  private record Goal(int conversionsRequired, Integer limit, long points) {
    @Override
    public String toString() {
      return "goal " + conversionsRequired + ", " + (limit == null ? "unlimited" : "limit " + limit);
    }
  }

  /** An action the model counted: whose, toward which reward, in which of the campaign's months. */
  private record Action(int slot, int reward, YearMonth month) {
  }

  /**
   * One run's system under test: a fresh tenant of the engine with a campaign in St. John's time and the scenario's
   * rewards, and the engine's clock. Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final SettableClock clock;
    private final Campaign campaign;
    private final List<CampaignReward> rewards = new ArrayList<>();
    /** Each slot's participant id, once enrolled. */
    private final Map<Integer, Long> participantIds = new HashMap<>();

    Run(LoyaltyEngine engine, SettableClock clock, Instant origin) {
      this.clock = clock;
      clock.set(origin);
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Reward model run")).id());
      this.campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id(), "Model campaign")
          .withTimeZone(ZONE));
      for (int i = 0; i < GOALS.size(); i++) {
        Goal goal = GOALS.get(i);
        NewCampaignReward r = NewCampaignReward.points("Goal " + i, goal.points(), goal.conversionsRequired());
        rewards.add(scope.rewards().define(campaign.id(), goal.limit() == null ? r.unlimited()
            : r.withLimit(goal.limit())));
      }
    }

    ParticipantRef ref(int slot) {
      return ParticipantRef.email(campaign.id(), "slot" + slot + "@example.com");
    }

    /** The id of the participant in {@code slot}, which must be enrolled. */
    long participantId(int slot) {
      return participantIds.computeIfAbsent(slot, s -> scope.participants().get(ref(s)).id());
    }

    /** Now, as the engine keeps its instants: to the microsecond. */
    Instant now() {
      return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** The campaign's month now. */
    YearMonth month() {
      return YearMonth.from(clock.instant().atZone(ZONE));
    }

    /** The tenant this run works in. */
    public TenantScope scope() {
      return scope;
    }

    @Override
    public String toString() {
      return "RewardScenario.Run[tenant=" + scope.tenantId() + ", campaign=" + campaign.id() + "]";
    }
  }

  /**
   * What the engine must agree with: actions per participant and reward (and each one's month), who is enrolled, the
   * results of keyed actions, every earned reward and the campaign's program. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final long[][] actions = new long[SLOTS][GOALS.size()];
    /** Every action counted, in order, with its month. */
    private final List<Action> months = new ArrayList<>();
    private final boolean[] enrolled = new boolean[SLOTS];
    private final Map<String, ActionResult> byKey = new HashMap<>();
    /** Every reward earned, in the order the actions unlocked them, as the last answer about it gave it. */
    private final List<EarnedReward> earned = new ArrayList<>();
    /** The slots the step acted on, whose participants are checked after it (all of them every tenth step). */
    private final Set<Integer> touched = new TreeSet<>();
    /** A campaign never configured approves at once, with a low-stock threshold of 0. */
    private Automation automation = Automation.AUTO;
    private int threshold;
    private int steps;

    Model() {
    }

    /** How many rewards the participant in {@code slot} must have earned of the reward in {@code reward}. */
    long expectedUnlocks(int slot, int reward) {
      Goal goal = GOALS.get(reward);
      long cycles = actions[slot][reward] / goal.conversionsRequired();
      return goal.limit() == null ? cycles : Math.min(goal.limit(), cycles);
    }

    /**
     * The participant's counts in {@code month}: all its actions, this month's and last month's, and those toward
     * {@code reward} all time and this month (0 for a reward below 0).
     */
    /** Whether the participant in {@code slot} has an earned reward that was not removed. */
    boolean winner(Run run, int slot) {
      long id = run.participantId(slot);
      return earned.stream().anyMatch(e -> e.participantId() == id && e.status() != EarnedRewardStatus.REMOVED);
    }

    ActionCounts counts(int slot, int reward, YearMonth month) {
      long allTime = 0;
      long current = 0;
      long previous = 0;
      long rewardAllTime = 0;
      long rewardCurrent = 0;
      for (Action a : months) {
        if (a.slot() != slot) {
          continue;
        }
        allTime++;
        current += a.month().equals(month) ? 1 : 0;
        previous += a.month().equals(month.minusMonths(1)) ? 1 : 0;
        if (a.reward() == reward) {
          rewardAllTime++;
          rewardCurrent += a.month().equals(month) ? 1 : 0;
        }
      }
      return new ActionCounts(allTime, current, previous, rewardAllTime, rewardCurrent);
    }

    @Override
    public String toString() {
      return "RewardScenario.Model[actions=" + Arrays.deepToString(actions) + ", " + automation + "]";
    }
  }

  /** An operation of the scenario, naming participants and rewards by slot. Immutable and thread-safe. */
  public sealed interface Op permits Act, Fulfil, Approve, Remove, Configure, Tick {
  }

  /**
   * Fulfils an earned reward of the participant in {@code slot} of the reward in {@code reward}, a pick among them.
   * Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   * @param reward the reward's slot, 0..4
   * @param pick which of the participant's earned rewards of it
   */
  public record Fulfil(int slot, int reward, int pick) implements Op {
    @Override
    public String toString() {
      return "fulfil p" + slot + "'s reward " + reward + " (pick " + pick + ")";
    }
  }

  /**
   * Approves an earned reward of the participant in {@code slot} of the reward in {@code reward}, a pick among them,
   * fulfilling it in the same call or not. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   * @param reward the reward's slot, 0..4
   * @param pick which of the participant's earned rewards of it
   * @param fulfil whether the approval fulfils it too
   */
  public record Approve(int slot, int reward, int pick, boolean fulfil) implements Op {
    @Override
    public String toString() {
      return "approve" + (fulfil ? " and fulfil" : "") + " p" + slot + "'s reward " + reward + " (pick " + pick + ")";
    }
  }

  /**
   * Removes an earned reward of the participant in {@code slot} of the reward in {@code reward}, a pick among them.
   * Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   * @param reward the reward's slot, 0..4
   * @param pick which of the participant's earned rewards of it
   */
  public record Remove(int slot, int reward, int pick) implements Op {
    @Override
    public String toString() {
      return "remove p" + slot + "'s reward " + reward + " (pick " + pick + ")";
    }
  }

  /**
   * Sets the campaign's program. Immutable and thread-safe.
   *
   * @param automation AUTO or MANUAL approval of what later actions unlock
   * @param threshold the coupon low-stock threshold (no coupon reward here: stored and read back only)
   */
  public record Configure(Automation automation, int threshold) implements Op {
    @Override
    public String toString() {
      return "configure " + automation + ", threshold " + threshold;
    }
  }

  /**
   * Moves the engine's clock forward. Immutable and thread-safe.
   *
   * @param minutes how far
   */
  public record Tick(int minutes) implements Op {
    @Override
    public String toString() {
      return "clock +" + Duration.ofMinutes(minutes);
    }
  }

  /**
   * An action of the participant in {@code slot} toward the reward in {@code reward}, by email (enrolling on first
   * use), optionally with an idempotency key; {@code retry} marks an exact repeat of an earlier keyed action.
   * Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   * @param reward the reward's slot, 0..4
   * @param key the idempotency key, or null
   * @param retry whether this repeats an earlier action
   */
  public record Act(int slot, int reward, String key, boolean retry) implements Op {
    @Override
    public String toString() {
      return (retry ? "retry " : "act ") + "p" + slot + " -> reward " + reward + (key == null ? "" : " key=" + key);
    }
  }
}
