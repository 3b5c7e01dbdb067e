package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Catalog redemption of a real engine, driven against a small reference model by a {@link ModelRunner}: seeded
 * sequences of awards, redemptions (a third without a key, some exact retries, some reusing another request's key),
 * activations or deactivations, stock adjustments (a few units either way, now and then a billion) and updates of
 * the cost of four catalog rewards: one of unlimited stock, one sold out from the start, one scarce and one
 * plentiful, at costs from 1 to 40 points.
 *
 * <pre>{@code
 * CatalogScenario.runner(engine, outcome -> {}).steps(120).build().runSeeds(CatalogScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine, with one
 * brand, one campaign, three participants and the four catalog rewards; tenant isolation keeps runs apart.
 * Operations name participants and rewards by slot, so they stay meaningful when a shortened sequence drops some.
 *
 * <h2>Checked at every step</h2>
 * A redemption's outcome is the model's, decided in the engine's order: a used key (replayed when the request is the
 * same, else CONFLICT on idempotencyKey), an inactive reward (CONFLICT on catalogRewardId), no stock left
 * (OUT_OF_STOCK), too few points (INSUFFICIENT_POINTS); a redemption returns the balance after it, a replay the
 * stored one, and the points spent are the reward's cost at the time (a replay: the cost it was charged, whatever
 * the cost is now). A stock adjustment's outcome is the model's: CONFLICT on stock for the unlimited reward,
 * OUT_OF_STOCK on delta when it removes more than is left, VALIDATION_ERROR on delta when the stock would pass
 * 1,000,000,000; else the stock it returns is the model's. An update returns the new cost.
 *
 * <h2>Checked after every step</h2>
 * Every stock is the model's and never below zero (unlimited stays unlimited), every cost and activity the model's;
 * every balance is the model's and the
 * sum of its participant's ledger, so a refused redemption took neither points nor stock, and a replayed one took
 * nothing again.
 *
 * <h2>Checked after every tenth step</h2>
 * The campaign's {@code list} by every filter (active, inactive or both, by each type or all; the rewards are of
 * three types) is the model's rewards, oldest first, every field; {@code redemptions} of each reward (in redemption
 * order) and of each participant (newest first), walked two at a time, are exactly the redemptions carried out, as
 * they were answered (none for a refusal or a replay).
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class CatalogScenario {
  /** Stocks of the scenario's catalog rewards: unlimited, sold out, scarce, plenty. */
  private static final List<Long> STOCKS = Arrays.asList(null, 0L, 3L, 10L);
  private static final long[] COSTS = {5, 1, 40, 15};
  /** Their types, which change nothing but what {@code list} filters on by type. */
  private static final List<RewardType> TYPES = List.of(RewardType.CUSTOM, RewardType.COUPON, RewardType.CUSTOM,
      RewardType.POINTS);
  /** Every {@value}th step the lists are checked: every list of every filter at every step would double the run. */
  private static final int LIST_CHECK_EVERY = 10;
  /** The page size of the redemption lists: small, so that every walk follows cursors. */
  private static final int REDEMPTION_PAGE = 2;
  private static final int PARTICIPANTS = 3;
  private static final long[] DEFAULT_SEEDS = {11L, 12L, 13L};

  /** A redemption carried out. */
  public static final String REDEEMED = "redeemed";
  /** A retry answered with the stored redemption. */
  public static final String REPLAYED = "replayed";
  /**
   * A retry answered with the stored redemption of a reward that had stock left: a retry that took a unit again
   * shows only then.
   */
  public static final String REPLAYED_WITH_STOCK = "replayed with stock left";
  /** A used key with another request. */
  public static final String KEY_CONFLICT = "CONFLICT on idempotencyKey";
  /** A redemption of an inactive reward. */
  public static final String INACTIVE = "CONFLICT on catalogRewardId";
  /** A redemption of a reward with no stock left. */
  public static final String OUT_OF_STOCK = "OUT_OF_STOCK on catalogRewardId";
  /** A redemption by a participant with too few points. */
  public static final String INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS on amount";
  /** A replay of a redemption whose reward's cost has changed since: the stored cost shows only then. */
  public static final String REPLAYED_AFTER_A_PRICE_CHANGE = "replayed after a price change";
  /** A stock adjustment carried out. */
  public static final String ADJUSTED = "stock adjusted";
  /** A stock adjustment of the unlimited reward. */
  public static final String ADJUST_UNLIMITED = "CONFLICT on stock";
  /** A stock adjustment removing more units than are left. */
  public static final String ADJUST_BELOW_ZERO = "OUT_OF_STOCK on delta";
  /** A stock adjustment that would take the stock above 1,000,000,000. */
  public static final String ADJUST_ABOVE_THE_BOUND = "VALIDATION_ERROR on delta";
  /** An update of a reward's cost. */
  public static final String UPDATED = "cost updated";

  /** The largest stock, as {@link io.loyaltyengine.catalog.NewCatalogReward} documents it. */
  private static final long MAX_STOCK = 1_000_000_000L;

  private CatalogScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test; each run creates its own tenant in it
   * @param outcomes told the outcome of every redemption, stock adjustment and update (one of {@link #outcomes()}),
   *     so that a caller can check that its seeds reach them all
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(outcomes, "outcomes");
    return ModelRunner.<Run, Model, Op>builder()
        .name("catalog")
        .system(() -> new Run(engine))
        .model(run -> new Model())
        .operations(CatalogScenario::next)
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(CatalogScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome of a redemption, stock adjustment or update the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(REDEEMED, REPLAYED, REPLAYED_WITH_STOCK, REPLAYED_AFTER_A_PRICE_CHANGE, KEY_CONFLICT, INACTIVE,
        OUT_OF_STOCK, INSUFFICIENT_POINTS, ADJUSTED, ADJUST_UNLIMITED, ADJUST_BELOW_ZERO, ADJUST_ABOVE_THE_BOUND,
        UPDATED);
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations() {
    return CatalogScenario::next;
  }

  private static Op next(RandomGenerator random, List<Op> previous) {
    int roll = random.nextInt(100);
    int slot = random.nextInt(PARTICIPANTS);
    if (roll < 26) {
      return new Award(slot, 1 + random.nextInt(60));
    }
    if (roll < 32) {
      return new Toggle(random.nextInt(STOCKS.size()), random.nextInt(3) > 0);
    }
    if (roll < 41) {
      // A few units either way, mostly; now and then a billion, which the bound refuses unless the stock allows it.
      long units = random.nextInt(8) == 0 ? MAX_STOCK : 1 + random.nextInt(4);
      return new Adjust(random.nextInt(STOCKS.size()), random.nextBoolean() ? units : -units);
    }
    if (roll < 45) {
      return new Reprice(random.nextInt(STOCKS.size()), 1 + random.nextInt(40));
    }
    if (roll < 58) {
      // A retry of an earlier keyed redemption, or its key reused by another request. Picked among the keyed
      // redemptions, not among all earlier operations, so that retries are common enough to reach a replay of a
      // reward with stock left (a retry that took a unit or points again shows only in a replay).
      List<Redeem> keyed = previous.stream()
          .filter(op -> op instanceof Redeem r && r.key() != null)
          .map(Redeem.class::cast)
          .toList();
      if (!keyed.isEmpty()) {
        // Half the time the latest, as a client retries at once, while the reward most likely has stock left.
        Redeem r = keyed.get(random.nextBoolean() ? keyed.size() - 1 : random.nextInt(keyed.size()));
        return random.nextInt(3) > 0 ? r : new Redeem(slot, random.nextInt(STOCKS.size()), r.key());
      }
    }
    String key = random.nextInt(3) == 0 ? null : "k" + random.nextInt(1_000_000);
    return new Redeem(slot, random.nextInt(STOCKS.size()), key);
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    model.steps++;
    if (op instanceof Award a) {
      run.scope.points().award(ParticipantRef.id(run.participants.get(a.slot()).id()),
          PointsChange.of(a.amount(), "purchase"));
      model.balances[a.slot()] += a.amount();
    } else if (op instanceof Toggle t) {
      run.scope.catalog().setActive(run.rewards.get(t.reward()).id(), t.active());
      model.active[t.reward()] = t.active();
    } else if (op instanceof Adjust a) {
      String expected = expectedOutcome(model, a);
      String actual;
      try {
        CatalogReward after = run.scope.catalog().adjustStock(run.rewards.get(a.reward()).id(), a.delta());
        actual = ADJUSTED;
        model.stocks[a.reward()] += a.delta();
        assertEquals(model.stocks[a.reward()], after.stock(), () -> op + ": the stock it returns");
      } catch (LoyaltyException e) {
        actual = e.code() + e.field().map(f -> " on " + f).orElse("");
      }
      assertEquals(expected, actual, op::toString);
      outcomes.accept(actual);
    } else if (op instanceof Reprice u) {
      CatalogReward before = run.scope.catalog().get(run.rewards.get(u.reward()).id());
      CatalogReward after = run.scope.catalog().update(before.id(),
          CatalogRewardUpdate.of(before).withPointsCost(u.cost()));
      model.costs[u.reward()] = u.cost();
      assertEquals(u.cost(), after.pointsCost(), op::toString);
      outcomes.accept(UPDATED);
    } else if (op instanceof Redeem r) {
      String expected = expectedOutcome(model, r);
      String actual;
      Redemption done = null;
      try {
        done = run.scope.catalog().redeem(ParticipantRef.id(run.participants.get(r.slot()).id()),
            run.rewards.get(r.reward()).id(), r.key());
        actual = done.replayed() ? REPLAYED : REDEEMED;
      } catch (LoyaltyException e) {
        actual = e.code() + e.field().map(f -> " on " + f).orElse("");
      }
      assertEquals(expected, actual, op::toString);
      outcomes.accept(actual);
      Long stockLeft = model.stocks[r.reward()];
      if (actual.equals(REPLAYED) && stockLeft != null && stockLeft > 0) {
        outcomes.accept(REPLAYED_WITH_STOCK);
      }
      if (actual.equals(REPLAYED)) {
        assertEquals(model.balanceAfter.get(r.key()), done.balance(), () -> op + ": the stored balance");
        long charged = model.spent.get(r.key());
        assertEquals(charged, done.pointsSpent(), () -> op + ": the cost it was charged, kept");
        if (charged != model.costs[r.reward()]) {
          outcomes.accept(REPLAYED_AFTER_A_PRICE_CHANGE);
        }
      } else if (actual.equals(REDEEMED)) {
        long cost = model.costs[r.reward()];
        model.balances[r.slot()] -= cost;
        if (model.stocks[r.reward()] != null) {
          model.stocks[r.reward()]--;
        }
        assertEquals(model.balances[r.slot()], done.balance(), () -> op + ": balance after");
        assertEquals(cost, done.pointsSpent(), () -> op + ": points spent, the cost now");
        model.redemptions.add(done);
        if (r.key() != null) {
          model.keys.put(r.key(), r);
          model.balanceAfter.put(r.key(), done.balance());
          model.spent.put(r.key(), cost);
        }
      }
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  /** The model's answer, in the order the engine checks: key, activity, stock, points. */
  private static String expectedOutcome(Model model, Redeem r) {
    if (r.key() != null && model.keys.containsKey(r.key())) {
      return model.keys.get(r.key()).equals(r) ? REPLAYED : KEY_CONFLICT;
    }
    if (!model.active[r.reward()]) {
      return INACTIVE;
    }
    Long stock = model.stocks[r.reward()];
    if (stock != null && stock == 0) {
      return OUT_OF_STOCK;
    }
    return model.balances[r.slot()] < model.costs[r.reward()] ? INSUFFICIENT_POINTS : REDEEMED;
  }

  /** The model's answer to a stock adjustment, in the order the engine tells them: unlimited, then the bounds. */
  private static String expectedOutcome(Model model, Adjust a) {
    Long stock = model.stocks[a.reward()];
    if (stock == null) {
      return ADJUST_UNLIMITED;
    }
    if (stock + a.delta() < 0) {
      return ADJUST_BELOW_ZERO;
    }
    return stock + a.delta() > MAX_STOCK ? ADJUST_ABOVE_THE_BOUND : ADJUSTED;
  }

  private static void check(Run run, Model model) {
    for (int i = 0; i < STOCKS.size(); i++) {
      CatalogReward reward = run.scope.catalog().get(run.rewards.get(i).id());
      Long stock = reward.stock();
      // Before the model's stock, which is never below zero: checked after it, this could never fail.
      assertTrue(stock == null || stock >= 0, "stock never below zero: r" + i + " has " + stock);
      assertEquals(model.stocks[i], stock, "stock of r" + i);
      assertEquals(model.costs[i], reward.pointsCost(), "cost of r" + i);
      assertEquals(expected(run, model, i), reward, "r" + i);
    }
    for (int i = 0; i < PARTICIPANTS; i++) {
      Participant p = run.scope.participants().get(ParticipantRef.id(run.participants.get(i).id()));
      assertEquals(model.balances[i], p.pointsBalance(), "balance of p" + i);
      assertEquals(ledgerSum(run.scope, p), p.pointsBalance(), "balance of p" + i + " == sum of its ledger");
    }
    if (model.steps % LIST_CHECK_EVERY == 0) {
      checkLists(run, model);
    }
  }

  /**
   * The campaign's catalog by every filter (active, inactive or both; each type, one no reward has, or all) is the
   * model's rewards in creation order; each reward's redemptions (in redemption order) and each participant's (newest
   * first), walked {@value #REDEMPTION_PAGE} at a time, are the redemptions carried out, as they were answered.
   */
  private static void checkLists(Run run, Model model) {
    List<RewardType> types = new ArrayList<>(Arrays.asList(RewardType.values()));
    types.add(null);
    for (Boolean active : Arrays.asList(null, true, false)) {
      for (RewardType type : types) {
        List<CatalogReward> expected = new ArrayList<>();
        for (int i = 0; i < STOCKS.size(); i++) {
          if ((active == null || active == model.active[i]) && (type == null || type == TYPES.get(i))) {
            expected.add(expected(run, model, i));
          }
        }
        assertEquals(expected, run.scope.catalog().list(run.campaignId, active, type),
            "list(active " + active + ", type " + type + ") in " + model);
      }
    }
    for (int i = 0; i < STOCKS.size(); i++) {
      long rewardId = run.rewards.get(i).id();
      assertEquals(model.redemptions.stream().filter(r -> r.catalogRewardId() == rewardId).toList(),
          Pages.all(page -> run.scope.catalog().redemptions(rewardId, page), REDEMPTION_PAGE),
          "redemptions of r" + i + ", in redemption order");
    }
    for (int i = 0; i < PARTICIPANTS; i++) {
      long participantId = run.participants.get(i).id();
      List<Redemption> own = new ArrayList<>(model.redemptions.stream()
          .filter(r -> r.participantId() == participantId).toList());
      Collections.reverse(own);
      assertEquals(own, Pages.all(page -> run.scope.catalog().redemptions(ParticipantRef.id(participantId), page),
          REDEMPTION_PAGE), "redemptions of p" + i + ", newest first");
    }
  }

  /** The reward in slot {@code i} as the model has it now: as created, with the model's cost, stock and activity. */
  private static CatalogReward expected(Run run, Model model, int i) {
    CatalogReward r = run.rewards.get(i);
    return new CatalogReward(r.id(), r.tenantId(), r.campaignId(), r.name(), r.description(), model.costs[i],
        r.type(), model.stocks[i], model.active[i], r.createdAt());
  }

  private static long ledgerSum(TenantScope scope, Participant p) {
    long sum = 0;
    for (LedgerEntry e : Pages.all(page -> scope.points().history(ParticipantRef.id(p.id()), page))) {
      sum = Math.addExact(sum, e.signedAmount());
    }
    return sum;
  }

  /**
   * One run's system under test: a fresh tenant of the engine with its participants and catalog rewards by slot.
   * Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final List<Participant> participants = new ArrayList<>();
    private final List<CatalogReward> rewards = new ArrayList<>();
    private final long campaignId;

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Catalog model run")).id());
      Campaign campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id(), "Model campaign"));
      this.campaignId = campaign.id();
      for (int i = 0; i < PARTICIPANTS; i++) {
        participants.add(scope.participants().create(campaign.id(), NewParticipant.withEmail("p" + i + "@m.example")));
      }
      for (int i = 0; i < STOCKS.size(); i++) {
        NewCatalogReward r = NewCatalogReward.of(campaign.id(), "r" + i, COSTS[i], TYPES.get(i));
        rewards.add(scope.catalog().create(STOCKS.get(i) == null ? r : r.withStock(STOCKS.get(i))));
      }
    }

    /** The tenant this run works in. */
    public TenantScope scope() {
      return scope;
    }

    @Override
    public String toString() {
      return "CatalogScenario.Run[tenant=" + scope.tenantId() + "]";
    }
  }

  /**
   * What the catalog must do: balances, stocks, costs, active flags, and the keys of redemptions carried out with
   * the balance after them and the cost they were charged. Not
   * thread-safe: used by one run.
   */
  public static final class Model {
    private final long[] balances = new long[PARTICIPANTS];
    private final Long[] stocks = STOCKS.toArray(new Long[0]);
    private final boolean[] active = {true, true, true, true};
    private final Map<String, Redeem> keys = new HashMap<>();
    private final Map<String, Long> balanceAfter = new HashMap<>();
    private final Map<String, Long> spent = new HashMap<>();
    private final long[] costs = COSTS.clone();
    /** The redemptions carried out (never a replay), in the order they were. */
    private final List<Redemption> redemptions = new ArrayList<>();
    private int steps;

    Model() {
    }

    @Override
    public String toString() {
      return "CatalogScenario.Model[balances=" + Arrays.toString(balances) + ", stocks=" + Arrays.toString(stocks)
          + ", costs=" + Arrays.toString(costs) + ", active=" + Arrays.toString(active) + "]";
    }
  }

  /** An operation of the scenario, naming participants and rewards by slot. Immutable and thread-safe. */
  public sealed interface Op permits Award, Redeem, Toggle, Adjust, Reprice {
  }

  /**
   * Awards points to the participant in {@code slot}. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   * @param amount the points, 1..60
   */
  public record Award(int slot, long amount) implements Op {
    @Override
    public String toString() {
      return "award " + amount + " to p" + slot;
    }
  }

  /**
   * The participant in {@code slot} redeems the catalog reward in {@code reward}. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   * @param reward the catalog reward's slot, 0..3
   * @param key the idempotency key, or null
   */
  public record Redeem(int slot, int reward, String key) implements Op {
    @Override
    public String toString() {
      return "p" + slot + " redeems r" + reward + (key == null ? "" : " key " + key);
    }
  }

  /**
   * Activates or deactivates the catalog reward in {@code reward}. Immutable and thread-safe.
   *
   * @param reward the catalog reward's slot, 0..3
   * @param active whether it is to be active
   */
  public record Toggle(int reward, boolean active) implements Op {
    @Override
    public String toString() {
      return (active ? "activate r" : "deactivate r") + reward;
    }
  }

  /**
   * Adds {@code delta} units to the stock of the catalog reward in {@code reward}, or removes them. Immutable and
   * thread-safe.
   *
   * @param reward the catalog reward's slot, 0..3
   * @param delta the units, non-zero
   */
  public record Adjust(int reward, long delta) implements Op {
    @Override
    public String toString() {
      return (delta > 0 ? "add " + delta + " to r" : "remove " + -delta + " from r") + reward;
    }
  }

  /**
   * Sets the cost of the catalog reward in {@code reward}, by an update that keeps its name and description.
   * Immutable and thread-safe.
   *
   * @param reward the catalog reward's slot, 0..3
   * @param cost the new cost, 1..40
   */
  public record Reprice(int reward, long cost) implements Op {
    @Override
    public String toString() {
      return "reprice r" + reward + " at " + cost;
    }
  }
}
