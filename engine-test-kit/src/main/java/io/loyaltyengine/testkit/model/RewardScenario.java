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
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.CampaignTotals;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
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
 * Loyalty actions and goals of a real engine, driven against a small reference model by a {@link ModelRunner}:
 * seeded sequences of actions by three participants toward five POINTS rewards of an AUTO campaign (goals of 1, 2,
 * 3, 4 and 5 actions; limits of 1, 2 and 5, and two unlimited rewards), a third of them with an idempotency key, and
 * exact retries of earlier keyed actions, and fulfilments of earned rewards (some fulfilled already). Participants are
 * named by email and enrolled by their first action.
 *
 * <pre>{@code
 * RewardScenario.runner(engine, outcome -> {}).steps(120).build().runSeeds(RewardScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine, with one
 * brand, one campaign that approves at once, and the five rewards; tenant isolation keeps runs apart. Operations
 * name participants and rewards by slot, so they stay meaningful when a shortened sequence drops some.
 *
 * <h2>Checked at every step</h2>
 * A participant is enrolled by its first action only; an action's counts (per reward and in all) are the model's; it unlocks
 * exactly the cycles its count reaches, if any; a retry with a used key is replayed with the first result.
 *
 * <h2>Checked after every step</h2>
 * For every participant and reward, the number of earned rewards is {@code min(limit, floor(actions /
 * conversionsRequired))} (no cap for an unlimited reward), with cycles 1..n each once; each participant's
 * {@code earned()} is exactly the model's, newest first, every field (APPROVED, or FULFILLED by a fulfilment); every
 * balance is the sum of the points of its earned rewards and the sum of its ledger; the campaign's totals
 * (participants, loyalty actions, winners) are the model's. A fulfilment of an APPROVED reward answers it FULFILLED,
 * of a FULFILLED one INVALID_TRANSITION on {@code status}.
 *
 * <h2>Checked after every tenth step</h2>
 * The campaign's {@code earned(campaignId, status)} in earning order, all and in each status, and each participant's
 * {@code earned()}, walked three at a time, are the model's.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class RewardScenario {
  /** The goals: conversions required, limit (null: unlimited), points per unlock. */
  private static final List<Goal> GOALS = List.of(new Goal(1, 1, 10), new Goal(3, 2, 20), new Goal(4, null, 30),
      new Goal(2, 5, 40), new Goal(5, null, 50));
  private static final int SLOTS = 3;
  private static final long[] DEFAULT_SEEDS = {1L, 2L, 3L};
  /** Every {@value}th step the earned-reward lists are walked a small page at a time, all and by status. */
  private static final int LIST_CHECK_EVERY = 10;
  private static final int LIST_PAGE = 3;

  /** An action counted by a participant's first action, which enrolled it. */
  public static final String ENROLLED = "an action that enrols its participant";
  /** An action that reached no new cycle of its reward. */
  public static final String SHORT_OF_THE_GOAL = "an action short of the next goal";
  /** An action that unlocked a cycle of its reward. */
  public static final String UNLOCKED = "an unlock";
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

  private RewardScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test; each run creates its own tenant in it
   * @param outcomes told the name of every outcome an action reaches (one of {@link #outcomes()}), so that a caller
   *     can check that its seeds reach them all
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(outcomes, "outcomes");
    return ModelRunner.<Run, Model, Op>builder()
        .name("reward goals")
        .system(() -> new Run(engine))
        .model(run -> new Model())
        .operations(operations())
        .step((run, model, op) -> {
          model.steps++;
          if (op instanceof Act act) {
            apply(run, model, act, outcomes);
          } else {
            fulfil(run, model, (Fulfil) op, outcomes);
          }
        })
        .invariant(RewardScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(ENROLLED, SHORT_OF_THE_GOAL, UNLOCKED, UNLOCKED_AGAIN, PAST_THE_LIMIT, REPLAYED, FULFILLED,
        FULFILLED_AGAIN);
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations() {
    return (random, previous) -> {
      if (random.nextInt(8) == 0) {
        return new Fulfil(random.nextInt(SLOTS), random.nextInt(GOALS.size()), random.nextInt(1_000));
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
    long after = model.expectedUnlocks(act.slot(), act.reward());
    assertFalse(result.replayed(), () -> act + ": a first action is not a replay");
    assertEquals(!model.enrolled[act.slot()], result.participantCreated(),
        () -> act + ": a participant is enrolled by its first action only");
    if (result.participantCreated()) {
      outcomes.accept(ENROLLED);
    }
    model.enrolled[act.slot()] = true;
    assertEquals(model.actions[act.slot()][act.reward()], result.counts().rewardAllTime(),
        () -> act + ": the reward's all-time count");
    assertEquals(Arrays.stream(model.actions[act.slot()]).sum(), result.counts().allTime(),
        () -> act + ": the participant's all-time count");
    assertEquals(after - before, result.unlocked().size(),
        () -> act + ": unlocks the cycle its count reaches, if any, within the limit");
    for (EarnedReward e : result.unlocked()) {
      assertEquals(after, e.cycle(), () -> act + ": the cycle unlocked");
    }
    boolean reachesACycle = model.actions[act.slot()][act.reward()] / GOALS.get(act.reward()).conversionsRequired()
        > uncapped;
    outcomes.accept(after > before ? UNLOCKED : reachesACycle ? PAST_THE_LIMIT : SHORT_OF_THE_GOAL);
    if (after > 1 && after > before && GOALS.get(act.reward()).limit() == null) {
      outcomes.accept(UNLOCKED_AGAIN);
    }
    if (act.key() != null) {
      model.byKey.put(act.key(), result);
    }
    model.earned.addAll(result.unlocked());
  }

  /**
   * Fulfils one of the participant's earned rewards of the reward (a pick among them; nothing if it has none): an
   * APPROVED one becomes FULFILLED, a FULFILLED one is INVALID_TRANSITION on status and stays as it is.
   */
  private static void fulfil(Run run, Model model, Fulfil op, Consumer<String> outcomes) {
    if (!model.enrolled[op.slot()]) {
      return;
    }
    long participantId = run.scope.participants().get(run.ref(op.slot())).id();
    long rewardId = run.rewards.get(op.reward()).id();
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < model.earned.size(); i++) {
      EarnedReward e = model.earned.get(i);
      if (e.participantId() == participantId && e.campaignRewardId() == rewardId) {
        candidates.add(i);
      }
    }
    if (candidates.isEmpty()) {
      return;
    }
    int index = candidates.get(op.pick() % candidates.size());
    EarnedReward before = model.earned.get(index);
    if (before.status() == EarnedRewardStatus.FULFILLED) {
      try {
        run.scope.rewards().fulfil(before.id());
      } catch (LoyaltyException e) {
        assertEquals(List.of(ErrorCode.INVALID_TRANSITION, "status"), List.of(e.code(), e.field().orElse("")),
            () -> op + ": " + e);
        outcomes.accept(FULFILLED_AGAIN);
        return;
      }
      throw new AssertionError(op + ": a FULFILLED reward fulfilled again");
    }
    EarnedReward after = run.scope.rewards().fulfil(before.id());
    assertEquals(EarnedRewardStatus.FULFILLED, after.status(), () -> op + ": status");
    assertEquals(List.of(before.id(), before.cycle(), before.points()), List.of(after.id(), after.cycle(),
        after.points()), () -> op + ": the same reward");
    model.earned.set(index, after);
    outcomes.accept(FULFILLED);
  }

  private static void check(Run run, Model model) {
    long campaignActions = 0;
    long participants = 0;
    long winners = 0;
    for (int slot = 0; slot < SLOTS; slot++) {
      if (!model.enrolled[slot]) {
        continue;
      }
      participants++;
      String who = "p" + slot;
      ParticipantRef ref = run.ref(slot);
      List<EarnedReward> earned = Pages.all(page -> run.scope.rewards().earned(ref, page));
      // Exactly the model's, newest first: an AUTO campaign approves at once, and only a Fulfil moves one on.
      long participantId = run.scope.participants().get(ref).id();
      List<EarnedReward> own = new ArrayList<>(model.earned.stream().filter(e -> e.participantId() == participantId)
          .toList());
      Collections.reverse(own);
      assertEquals(own, earned, "earned rewards of " + who + ", newest first");
      if (model.steps % LIST_CHECK_EVERY == 0) {
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
          points += e.points();
        }
        campaignActions += model.actions[slot][r];
      }
      winners += earned.isEmpty() ? 0 : 1;
      Participant p = run.scope.participants().get(ref);
      assertEquals(points, p.pointsBalance(), "each POINTS reward credited once: balance of " + who);
      long ledger = 0;
      for (LedgerEntry e : Pages.all(page -> run.scope.points().history(ParticipantRef.id(p.id()), page))) {
        ledger += e.signedAmount();
      }
      assertEquals(ledger, p.pointsBalance(), "balance of " + who + " == sum of its ledger");
    }
    assertEquals(new CampaignTotals(participants, campaignActions, winners),
        run.scope.rewards().totals(run.campaign.id()), "campaign totals (participants, loyalty actions, winners)");
    if (model.steps % LIST_CHECK_EVERY == 0) {
      long campaignId = run.campaign.id();
      // In earning order: the model keeps them in the order the actions unlocked them.
      assertEquals(model.earned, Pages.all(page -> run.scope.rewards().earned(campaignId, null, page), LIST_PAGE),
          "the campaign's earned rewards, in earning order");
      for (EarnedRewardStatus status : EarnedRewardStatus.values()) {
        assertEquals(model.earned.stream().filter(e -> e.status() == status).toList(),
            Pages.all(page -> run.scope.rewards().earned(campaignId, status, page), LIST_PAGE),
            "the campaign's " + status + " earned rewards, in earning order");
      }
    }
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

  /**
   * One run's system under test: a fresh tenant of the engine with an AUTO campaign and the scenario's rewards.
   * Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final Campaign campaign;
    private final List<CampaignReward> rewards = new ArrayList<>();

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Reward model run")).id());
      this.campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id(), "Model campaign"));
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
   * What the engine must agree with: actions per participant and reward, who is enrolled, and the results of keyed
   * actions. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final long[][] actions = new long[SLOTS][GOALS.size()];
    private final boolean[] enrolled = new boolean[SLOTS];
    private final Map<String, ActionResult> byKey = new HashMap<>();
    /** Every reward earned, in the order the actions unlocked them, as the last answer about it gave it. */
    private final List<EarnedReward> earned = new ArrayList<>();
    private int steps;

    Model() {
    }

    /** How many rewards the participant in {@code slot} must have earned of the reward in {@code reward}. */
    long expectedUnlocks(int slot, int reward) {
      Goal goal = GOALS.get(reward);
      long cycles = actions[slot][reward] / goal.conversionsRequired();
      return goal.limit() == null ? cycles : Math.min(goal.limit(), cycles);
    }

    @Override
    public String toString() {
      return "RewardScenario.Model[actions=" + Arrays.deepToString(actions) + "]";
    }
  }

  /** An operation of the scenario, naming participants and rewards by slot. Immutable and thread-safe. */
  public sealed interface Op permits Act, Fulfil {
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
